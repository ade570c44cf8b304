/** Services: ClusterIP and NodePort allocation on top of the base strategy. */
import type { ResourceInfo } from '../../../api/resources.js';
import { qualifiedResource } from '../../../api/resources.js';
import type { ServiceAllocator } from '../../allocators/service-allocator.js';
import type { Strategy } from '../strategy.js';

const hasNodePorts = (svc: any) => svc?.spec?.type === 'NodePort' || svc?.spec?.type === 'LoadBalancer';
const needsClusterIp = (svc: any) => svc?.spec?.type !== 'ExternalName' && svc?.spec?.clusterIP !== 'None';
const ipOf = (svc: any): string | undefined => {
  const ip = svc?.spec?.clusterIP;
  return ip && ip !== 'None' && svc?.spec?.type !== 'ExternalName' ? ip : undefined;
};
const portsOf = (svc: any): number[] => (hasNodePorts(svc) ? (svc.spec.ports ?? []).map((p: any) => p.nodePort).filter((n: any) => typeof n === 'number') : []);
const portKey = (p: any) => `${p.port}/${p.protocol ?? 'TCP'}`;

const isExternal = (spec: any) => spec?.type === 'NodePort' || spec?.type === 'LoadBalancer';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A Service changing type loses the fields only its old type had, when the client merely
 * carried them over (a patch of `type` alone): `kubectl patch -p '{"spec":{"type":
 * "ClusterIP"}}'` on a LoadBalancer works, as in Kubernetes. A value the client changed is
 * kept, so validation can say it does not fit the new type.
 */
export function dropTypeDependentFields(spec: any, oldSpec: any): void {
  if (spec.type === oldSpec.type) return;
  const carried = (f: string) => spec[f] !== undefined && same(spec[f], oldSpec[f]);
  if (spec.type !== 'LoadBalancer') {
    for (const f of ['allocateLoadBalancerNodePorts', 'loadBalancerClass']) if (carried(f)) delete spec[f];
  }
  if (!isExternal(spec) && carried('externalTrafficPolicy')) delete spec.externalTrafficPolicy;
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (!needsHealthCheck && carried('healthCheckNodePort')) delete spec.healthCheckNodePort;
}

export function serviceStrategy(info: ResourceInfo, base: Strategy, alloc: ServiceAllocator): Strategy {
  const ref = (name: string) => ({ resource: qualifiedResource(info), group: '', kind: info.kind, name });
  const release = async (obj: any, keep?: any) => {
    const ip = ipOf(obj);
    if (ip && ip !== ipOf(keep)) await alloc.releaseIp(ip);
    const kept = new Set(portsOf(keep));
    for (const p of portsOf(obj)) if (!kept.has(p)) await alloc.releasePort(p);
  };
  return {
    ...base,
    prepareForUpdate(obj, old) {
      // A client that omits allocated values keeps them, as in Kubernetes.
      if (obj.spec && old.spec) {
        if (!obj.spec.clusterIP && ipOf(old) && needsClusterIp(obj)) {
          obj.spec.clusterIP = old.spec.clusterIP;
          obj.spec.clusterIPs = old.spec.clusterIPs;
        }
        if (hasNodePorts(obj) && hasNodePorts(old)) {
          const oldPorts = new Map<string, number>((old.spec.ports ?? []).map((p: any) => [portKey(p), p.nodePort]));
          for (const p of obj.spec.ports ?? []) if (p.nodePort === undefined && oldPorts.get(portKey(p))) p.nodePort = oldPorts.get(portKey(p));
        }
        if (!hasNodePorts(obj)) for (const p of obj.spec.ports ?? []) if (hasNodePorts(old)) delete p.nodePort;
        dropTypeDependentFields(obj.spec, old.spec);
        // Becoming an ExternalName alias drops what only addressed services have, as
        // Kubernetes does for fields the client carried over from the old type.
        if (obj.spec.type === 'ExternalName' && old.spec.type !== 'ExternalName') {
          for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'])
            if (obj.spec[f] === undefined || JSON.stringify(obj.spec[f]) === JSON.stringify(old.spec[f])) delete obj.spec[f];
        }
      }
      base.prepareForUpdate(obj, old);
    },
    async admit(obj, old) {
      const spec = obj.spec;
      const owner = `${obj.metadata.namespace}/${obj.metadata.name}`;
      try {
        if (spec.type === 'ExternalName') {
          // An ExternalName service is a DNS alias: no address, no IP family.
          delete spec.clusterIP;
          delete spec.clusterIPs;
          delete spec.ipFamilies;
          delete spec.ipFamilyPolicy;
        } else if (spec.clusterIP === 'None') {
          spec.clusterIPs = ['None'];
        } else if (!(old && ipOf(old) && ipOf(old) === spec.clusterIP)) {
          spec.clusterIP = await alloc.allocateIp(ref(obj.metadata.name), owner, spec.clusterIP || undefined);
          spec.clusterIPs = [spec.clusterIP];
        }
        if (hasNodePorts(obj)) {
          const held = new Set(portsOf(old));
          const ports = spec.ports ?? [];
          for (let i = 0; i < ports.length; i++) {
            const p = ports[i];
            if (p.nodePort !== undefined && held.has(p.nodePort)) continue;
            p.nodePort = await alloc.allocatePort(ref(obj.metadata.name), owner, `spec.ports[${i}].nodePort`, p.nodePort);
          }
        }
      } catch (err) {
        await release(obj, old);
        throw err;
      }
    },
    release,
  };
}
