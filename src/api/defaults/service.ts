/**
 * Service defaults. The cluster IP and node ports are not defaults: the API server's
 * allocators assign them. IP families are defaulted to single-stack IPv4 here because orch
 * runs an IPv4-only service network.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import { each, isObj, setIfUnset } from './util.js';

/** Three hours, Kubernetes' default ClientIP affinity timeout. */
const CLIENT_IP_TIMEOUT_SECONDS = 10800;

export function defaultService(svc: Service): void {
  if (!isObj(svc.spec)) return;
  const spec = svc.spec;
  setIfUnset(spec, 'type', 'ClusterIP');
  setIfUnset(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && !(spec.sessionAffinityConfig?.clientIP?.timeoutSeconds)) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: CLIENT_IP_TIMEOUT_SECONDS } };
  }
  each(spec.ports, (port) => {
    setIfUnset(port, 'protocol', 'TCP');
    // Zero and "" are both the unset IntOrString.
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') {
      port.targetPort = port.port;
    }
  });
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
  if (external) setIfUnset(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setIfUnset(spec, 'allocateLoadBalancerNodePorts', true);
  // An ExternalName Service is a DNS alias: it has no IPs, families or in-cluster traffic.
  if (spec.type !== 'ExternalName') {
    setIfUnset(spec, 'internalTrafficPolicy', 'Cluster');
    setIfUnset(spec, 'ipFamilyPolicy', 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
}
