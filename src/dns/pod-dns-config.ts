/**
 * The resolver configuration a pod with dnsPolicy ClusterFirst gets (the agent passes it to
 * CRI as the sandbox's DNSConfig, which becomes the pod's /etc/resolv.conf). As the kubelet
 * builds it: the cluster DNS Service as the only nameserver, the search path
 * `<ns>.svc.<domain> svc.<domain> <domain>` followed by the host's own search domains, and
 * ndots:5 so that `my-svc` and `my-svc.other-ns` go through the search path before being
 * tried as absolute names.
 */

/** CRI's DNSConfig. */
export interface PodDnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** The kubelet's limits (validation.MaxDNSSearchPaths and MaxDNSSearchListChars). */
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

export function podDnsConfig(namespace: string, clusterDomain: string, dnsServiceIp: string | string[], hostSearches: string[] = []): PodDnsConfig {
  const domain = clusterDomain.replace(/\.$/, '');
  const searches: string[] = [];
  for (const s of [`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearches.map((h) => h.replace(/\.$/, ''))]) {
    // The kubelet drops duplicates, keeping the first: the cluster's own come first.
    if (s && !searches.includes(s)) searches.push(s);
  }
  return { servers: Array.isArray(dnsServiceIp) ? [...dnsServiceIp] : [dnsServiceIp], searches: trimSearches(searches), options: ['ndots:5'] };
}

/** Drops trailing search domains beyond the kubelet's count and length limits. */
function trimSearches(searches: string[]): string[] {
  const out = searches.slice(0, MAX_DNS_SEARCH_PATHS);
  while (out.length && out.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) out.pop();
  return out;
}
