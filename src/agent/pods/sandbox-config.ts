/**
 * What a pod's sandbox looks like to the CRI: hostname, resolv.conf, host ports, the labels
 * that find it again, the cgroup parent — and the /etc/hosts file every container mounts.
 * Pure functions of the pod and the node's settings.
 */
import type { Pod, PodSecurityContext, PodSpec } from 'kubernetes-types/core/v1.js';
import type { DNSConfig, PodSandboxConfig, PortMapping, Protocol } from '../cri/cri-types.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, TERMINATION_GRACE_ANNOTATION } from './labels.js';

export interface SandboxSettings {
  clusterDns: string[];
  clusterDomain: string;
  logDirectory: string;
  cgroupParent: string;
  attempt: number;
}

const MAX_SEARCHES = 32;

/** The pod's hostname and (with a subdomain) its FQDN, as the kubelet derives them. */
export function podHostname(pod: Pod, clusterDomain: string): { hostname: string; fqdn?: string } {
  // A hostname is a DNS label: the kubelet truncates a longer pod name to 63 characters.
  const hostname = (pod.spec?.hostname || pod.metadata!.name!).slice(0, 63).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  return sub ? { hostname, fqdn: `${hostname}.${sub}.${pod.metadata!.namespace}.svc.${clusterDomain}` } : { hostname };
}

/** resolv.conf for the pod's dnsPolicy; undefined = the host's (CRI default). */
export function podDnsConfig(pod: Pod, clusterDns: string[], clusterDomain: string): DNSConfig | undefined {
  const spec: PodSpec = pod.spec ?? { containers: [] };
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  // A host-network pod cannot reach the cluster DNS through its own resolver unless it asks to.
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  let base: DNSConfig | undefined;
  if (policy === 'ClusterFirst' && clusterDns.length) {
    const domain = clusterDomain.replace(/\.$/, '');
    base = { servers: [...clusterDns], searches: [`${pod.metadata!.namespace}.svc.${domain}`, `svc.${domain}`, domain], options: ['ndots:5'] };
  } else if (policy === 'None') {
    base = { servers: [], searches: [], options: [] };
  }
  const extra = spec.dnsConfig;
  if (!extra) return base;
  base ??= { servers: [], searches: [], options: [] };
  const servers = unique([...(base.servers ?? []), ...(extra.nameservers ?? [])]).slice(0, 3);
  const searches = unique([...(base.searches ?? []), ...(extra.searches ?? [])]).slice(0, MAX_SEARCHES);
  // Options from the pod's dnsConfig replace same-named ones (ndots:2 wins over ndots:5).
  const opts = new Map<string, string>();
  for (const o of base.options ?? []) opts.set(o.split(':')[0], o);
  for (const o of extra.options ?? []) if (o.name) opts.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return { servers, searches, options: [...opts.values()] };
}

const unique = (xs: string[]) => xs.filter((x, i) => x && xs.indexOf(x) === i);

/** hostPort mappings of every container (the CNI portmap plugin programs them). */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: (p.protocol ?? 'TCP') as Protocol, container_port: p.containerPort, host_port: p.hostPort, ...(p.hostIP ? { host_ip: p.hostIP } : {}) });
    }
  }
  return out;
}

export function sandboxLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata?.labels ?? {}),
    [POD_NAME_LABEL]: pod.metadata!.name!,
    [POD_NAMESPACE_LABEL]: pod.metadata!.namespace!,
    [POD_UID_LABEL]: pod.metadata!.uid!,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  };
}

/** The pod's supplemental groups with fsGroup last (the kubelet's order). */
export function supplementalGroups(psc: PodSecurityContext | undefined): number[] {
  const groups = [...(psc?.supplementalGroups ?? [])];
  if (psc?.fsGroup !== undefined && !groups.includes(psc.fsGroup)) groups.push(psc.fsGroup);
  return groups;
}

export function buildSandboxConfig(pod: Pod, s: SandboxSettings): PodSandboxConfig {
  const { hostname } = podHostname(pod, s.clusterDomain);
  const hostNetwork = pod.spec?.hostNetwork === true;
  const dns = podDnsConfig(pod, s.clusterDns, s.clusterDomain);
  const psc = pod.spec?.securityContext;
  const config: PodSandboxConfig = {
    metadata: { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, uid: pod.metadata!.uid!, attempt: s.attempt },
    hostname: hostNetwork ? undefined : hostname,
    log_directory: s.logDirectory,
    port_mappings: portMappings(pod),
    labels: sandboxLabels(pod),
    annotations: { ...(pod.metadata?.annotations ?? {}), [TERMINATION_GRACE_ANNOTATION]: String(pod.spec?.terminationGracePeriodSeconds ?? 30) },
    linux: {
      cgroup_parent: s.cgroupParent,
      security_context: {
        namespace_options: { network: hostNetwork ? 'NODE' : 'POD', pid: pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
        ...(psc?.runAsUser !== undefined ? { run_as_user: { value: psc.runAsUser } } : {}),
        ...(psc?.runAsGroup !== undefined ? { run_as_group: { value: psc.runAsGroup } } : {}),
        // fsGroup joins the supplemental groups, as the kubelet does: that is how a non-root
        // process gets to write the volumes the group owns.
        ...(supplementalGroups(psc).length ? { supplemental_groups: supplementalGroups(psc) } : {}),
        // containerd refuses a privileged container in a sandbox that is not privileged itself.
        ...([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.securityContext?.privileged) ? { privileged: true } : {}),
      },
      ...(pod.spec?.securityContext?.sysctls?.length ? { sysctls: Object.fromEntries(pod.spec.securityContext.sysctls.map((x) => [x.name, x.value])) } : {}),
    },
  };
  if (dns) config.dns_config = dns;
  return config;
}

/** The pod's /etc/hosts: localhost lines, the pod's own address and hostAliases, as the kubelet writes it. */
export function hostsFile(pod: Pod, podIps: string[], clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const { hostname, fqdn } = podHostname(pod, clusterDomain);
  for (const ip of podIps) lines.push(fqdn ? `${ip}\t${fqdn}\t${hostname}` : `${ip}\t${hostname}`);
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) if (a.ip && a.hostnames?.length) lines.push(`${a.ip}\t${a.hostnames.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}
