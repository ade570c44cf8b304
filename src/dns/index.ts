/** Cluster DNS: the server, and the pod-side helpers the agent uses (resolv.conf, Service env vars). */
export { DnsServer, type DnsServerOptions, type DnsStats, type ListenAddress } from './server.js';
export { ClusterRecords, DNS_SCHEMA_VERSION } from './records.js';
export { podDnsConfig, type PodDnsConfig } from './pod-dns-config.js';
export { serviceEnvVars, envVarName, type ServiceEnvOptions } from './service-env.js';
export { parseResolvConf, upstreamsFromResolvConf, type ResolvConf } from './resolv-conf.js';
export { parseUpstream, formatUpstream, type Upstream } from './forwarder.js';
export { NodeDns, dnsService, dnsEndpointSlice, gatewayFor, DNS_NAMESPACE, DNS_SERVICE_NAME, type NodeDnsOptions } from './node-dns.js';
