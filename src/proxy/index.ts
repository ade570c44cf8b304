/** The service proxy: kube-proxy's iptables mode for orch. */
export { ServiceProxy, type ServiceProxyOptions } from './service-proxy.js';
export { Proxier, SYNC_CHANNEL, type ProxierOptions, type ProxierStats, type SyncReport } from './proxier.js';
export { buildRules, buildRuleset, RulesCache, renderDelta, planSync, planFullSync, planCleanup, hookRules, type Rules, type HookRule, type KernelState } from './ruleset.js';
export { resolveRulesConfig, chainPrefixProblem, type RulesConfig, type ResolvedRulesConfig } from './config.js';
export { collectServicePorts, type ProxyState, type ServicePortInfo } from './service-ports.js';
export { ExecIptables, type Iptables } from './iptables.js';
export { NO_ENDPOINTS_REASON } from './no-endpoints.js';
export { ROUTE_LOCALNET } from './sysctl.js';
export { ServiceLb, planServiceLb, lbStatusPatch, isServiceLbService, type LbPlan, type ServiceLbOptions } from './service-lb.js';
