/**
 * buildRuleset against golden iptables-restore input (table-driven), and the deltas the
 * proxier writes between two rulesets or against what the kernel holds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { resolveRulesConfig, type RulesConfig } from './config.js';
import { buildRules, buildRuleset, planCleanup, planFullSync, planSync, renderDelta } from './ruleset.js';
import { emptyKernelState, parseSave } from './kernel-state.js';
import { ChainNames } from './chain-names.js';
import { FakeIptables } from './testing.js';

const BASE: RulesConfig = { chainPrefix: 'ORCH-t1-', serviceCidr: '10.97.0.0/24', clusterCidr: '10.244.0.0/16', nodePortRange: [31000, 31009], nodeIPs: [] };

const svc = (name: string, spec: Service['spec'], status?: Service['status']): Service => ({ metadata: { namespace: 'default', name }, spec, status });
const slice = (service: string, ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints'], name = `${service}-x`): EndpointSlice => ({
  metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports,
  endpoints,
});

const GOLDEN_CLUSTERIP = `*filter
:ORCH-t1-SERVICES - [0:0]
-I FORWARD 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
*nat
:ORCH-t1-SERVICES - [0:0]
:ORCH-t1-NODEPORTS - [0:0]
:ORCH-t1-POSTROUTING - [0:0]
:ORCH-t1-MARK-MASQ - [0:0]
:ORCH-t1-SVC-OSC5D42RU6KJHZT7 - [0:0]
:ORCH-t1-SEP-P7MZEHKO3WQ3MWFA - [0:0]
:ORCH-t1-SEP-WYSJ76DHX3P6CBZH - [0:0]
:ORCH-t1-SEP-CVR6MVF6GSAHSL3Q - [0:0]
-A ORCH-t1-SERVICES -d 10.97.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ORCH-t1-SVC-OSC5D42RU6KJHZT7
-A ORCH-t1-SERVICES ! -d 127.0.0.0/8 -m comment --comment "ORCH-t1- node ports; must be the last rule" -m addrtype --dst-type LOCAL -j ORCH-t1-NODEPORTS
-A ORCH-t1-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A ORCH-t1-POSTROUTING -j MARK --xor-mark 0x4000
-A ORCH-t1-POSTROUTING -m comment --comment "ORCH-t1- service traffic requiring SNAT" -j MASQUERADE --random-fully
-A ORCH-t1-MARK-MASQ -j MARK --or-mark 0x4000
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 ! -s 10.244.0.0/16 -d 10.97.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -m statistic --mode random --probability 0.3333333333 -j ORCH-t1-SEP-P7MZEHKO3WQ3MWFA
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -m statistic --mode random --probability 0.5000000000 -j ORCH-t1-SEP-WYSJ76DHX3P6CBZH
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -j ORCH-t1-SEP-CVR6MVF6GSAHSL3Q
-A ORCH-t1-SEP-P7MZEHKO3WQ3MWFA -s 10.244.1.2/32 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SEP-P7MZEHKO3WQ3MWFA -p tcp -j DNAT --to-destination 10.244.1.2:8080
-A ORCH-t1-SEP-WYSJ76DHX3P6CBZH -s 10.244.1.3/32 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SEP-WYSJ76DHX3P6CBZH -p tcp -j DNAT --to-destination 10.244.1.3:8080
-A ORCH-t1-SEP-CVR6MVF6GSAHSL3Q -s 10.244.1.10/32 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SEP-CVR6MVF6GSAHSL3Q -p tcp -j DNAT --to-destination 10.244.1.10:8080
-I POSTROUTING 1 -m mark --mark 0x4000/0x4000 -m comment --comment "ORCH-t1- masquerade" -j ORCH-t1-POSTROUTING
-I OUTPUT 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
`;

const GOLDEN_NOENDPOINTS = `*filter
:ORCH-t1-SERVICES - [0:0]
-A ORCH-t1-SERVICES -d 10.97.0.11/32 -p udp -m comment --comment "default/empty:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable
-I FORWARD 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
*nat
:ORCH-t1-SERVICES - [0:0]
:ORCH-t1-NODEPORTS - [0:0]
:ORCH-t1-POSTROUTING - [0:0]
:ORCH-t1-MARK-MASQ - [0:0]
-A ORCH-t1-SERVICES ! -d 127.0.0.0/8 -m comment --comment "ORCH-t1- node ports; must be the last rule" -m addrtype --dst-type LOCAL -j ORCH-t1-NODEPORTS
-A ORCH-t1-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A ORCH-t1-POSTROUTING -j MARK --xor-mark 0x4000
-A ORCH-t1-POSTROUTING -m comment --comment "ORCH-t1- service traffic requiring SNAT" -j MASQUERADE --random-fully
-A ORCH-t1-MARK-MASQ -j MARK --or-mark 0x4000
-I POSTROUTING 1 -m mark --mark 0x4000/0x4000 -m comment --comment "ORCH-t1- masquerade" -j ORCH-t1-POSTROUTING
-I OUTPUT 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
`;

const GOLDEN_NODEPORT = `*filter
:ORCH-t1-SERVICES - [0:0]
:ORCH-t1-FIREWALL - [0:0]
-A ORCH-t1-FIREWALL -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-I INPUT 1 ! -s 127.0.0.0/8 -d 127.0.0.0/8 ! -i lo -m comment --comment "ORCH-t1- block incoming localnet connections" -j ORCH-t1-FIREWALL
-I FORWARD 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
*nat
:ORCH-t1-SERVICES - [0:0]
:ORCH-t1-NODEPORTS - [0:0]
:ORCH-t1-POSTROUTING - [0:0]
:ORCH-t1-MARK-MASQ - [0:0]
:ORCH-t1-SVC-OSC5D42RU6KJHZT7 - [0:0]
:ORCH-t1-SEP-NK26BA5UQOGS35O2 - [0:0]
:ORCH-t1-SEP-LXP5UW4MWEFI75UY - [0:0]
:ORCH-t1-EXT-OSC5D42RU6KJHZT7 - [0:0]
-A ORCH-t1-SERVICES -d 10.97.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ORCH-t1-SVC-OSC5D42RU6KJHZT7
-A ORCH-t1-SERVICES -d 127.0.0.1/32 -m comment --comment "ORCH-t1- node ports; must be the last rule" -m addrtype --dst-type LOCAL -j ORCH-t1-NODEPORTS
-A ORCH-t1-SERVICES -d 192.168.7.1/32 -m comment --comment "ORCH-t1- node ports; must be the last rule" -m addrtype --dst-type LOCAL -j ORCH-t1-NODEPORTS
-A ORCH-t1-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 31001 -j ORCH-t1-EXT-OSC5D42RU6KJHZT7
-A ORCH-t1-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A ORCH-t1-POSTROUTING -j MARK --xor-mark 0x4000
-A ORCH-t1-POSTROUTING -m comment --comment "ORCH-t1- service traffic requiring SNAT" -j MASQUERADE --random-fully
-A ORCH-t1-MARK-MASQ -j MARK --or-mark 0x4000
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 ! -s 10.244.0.0/16 -d 10.97.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -m recent --name ORCH-t1-SEP-NK26BA5UQOGS35O2 --rcheck --seconds 60 --reap -j ORCH-t1-SEP-NK26BA5UQOGS35O2
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -m recent --name ORCH-t1-SEP-LXP5UW4MWEFI75UY --rcheck --seconds 60 --reap -j ORCH-t1-SEP-LXP5UW4MWEFI75UY
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -m statistic --mode random --probability 0.5000000000 -j ORCH-t1-SEP-NK26BA5UQOGS35O2
-A ORCH-t1-SVC-OSC5D42RU6KJHZT7 -j ORCH-t1-SEP-LXP5UW4MWEFI75UY
-A ORCH-t1-SEP-NK26BA5UQOGS35O2 -s 10.244.1.4/32 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SEP-NK26BA5UQOGS35O2 -p tcp -m recent --name ORCH-t1-SEP-NK26BA5UQOGS35O2 --set -j DNAT --to-destination 10.244.1.4:8080
-A ORCH-t1-SEP-LXP5UW4MWEFI75UY -s 10.244.1.5/32 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SEP-LXP5UW4MWEFI75UY -p tcp -m recent --name ORCH-t1-SEP-LXP5UW4MWEFI75UY --set -j DNAT --to-destination 10.244.1.5:8080
-A ORCH-t1-EXT-OSC5D42RU6KJHZT7 -m comment --comment "masquerade traffic for default/web:http external destinations" -j ORCH-t1-MARK-MASQ
-A ORCH-t1-EXT-OSC5D42RU6KJHZT7 -j ORCH-t1-SVC-OSC5D42RU6KJHZT7
-I POSTROUTING 1 -m mark --mark 0x4000/0x4000 -m comment --comment "ORCH-t1- masquerade" -j ORCH-t1-POSTROUTING
-I OUTPUT 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
`;

const GOLDEN_LOADBALANCER = `*filter
:ORCH-t1-SERVICES - [0:0]
-I FORWARD 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m conntrack --ctstate NEW -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
*nat
:ORCH-t1-SERVICES - [0:0]
:ORCH-t1-NODEPORTS - [0:0]
:ORCH-t1-POSTROUTING - [0:0]
:ORCH-t1-MARK-MASQ - [0:0]
:ORCH-t1-SVC-K2SAV53ISMROZ33P - [0:0]
:ORCH-t1-SEP-7UEYPB6D6MBCBHW2 - [0:0]
:ORCH-t1-EXT-K2SAV53ISMROZ33P - [0:0]
-A ORCH-t1-SERVICES -d 10.97.0.12/32 -p tcp -m comment --comment "default/lb cluster IP" -m tcp --dport 443 -j ORCH-t1-SVC-K2SAV53ISMROZ33P
-A ORCH-t1-SERVICES -d 192.168.7.1/32 -p tcp -m comment --comment "default/lb loadbalancer IP" -m tcp --dport 443 -j ORCH-t1-EXT-K2SAV53ISMROZ33P
-A ORCH-t1-SERVICES -d 192.168.7.9/32 -p tcp -m comment --comment "default/lb external IP" -m tcp --dport 443 -j ORCH-t1-EXT-K2SAV53ISMROZ33P
-A ORCH-t1-SERVICES -d 192.168.7.1/32 -m comment --comment "ORCH-t1- node ports; must be the last rule" -m addrtype --dst-type LOCAL -j ORCH-t1-NODEPORTS
-A ORCH-t1-NODEPORTS -p tcp -m comment --comment "default/lb" -m tcp --dport 31002 -j ORCH-t1-EXT-K2SAV53ISMROZ33P
-A ORCH-t1-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A ORCH-t1-POSTROUTING -j MARK --xor-mark 0x4000
-A ORCH-t1-POSTROUTING -m comment --comment "ORCH-t1- service traffic requiring SNAT" -j MASQUERADE --random-fully
-A ORCH-t1-MARK-MASQ -j MARK --or-mark 0x4000
-A ORCH-t1-SVC-K2SAV53ISMROZ33P -d 10.97.0.12/32 -p tcp -m comment --comment "default/lb cluster IP" -m tcp --dport 443 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SVC-K2SAV53ISMROZ33P -j ORCH-t1-SEP-7UEYPB6D6MBCBHW2
-A ORCH-t1-SEP-7UEYPB6D6MBCBHW2 -s 10.244.2.1/32 -j ORCH-t1-MARK-MASQ
-A ORCH-t1-SEP-7UEYPB6D6MBCBHW2 -p tcp -j DNAT --to-destination 10.244.2.1:8443
-A ORCH-t1-EXT-K2SAV53ISMROZ33P -m comment --comment "masquerade traffic for default/lb external destinations" -j ORCH-t1-MARK-MASQ
-A ORCH-t1-EXT-K2SAV53ISMROZ33P -j ORCH-t1-SVC-K2SAV53ISMROZ33P
-I OUTPUT 1 -d 192.168.7.9/32 -p tcp -m tcp --dport 443 -m comment --comment "ORCH-t1- default/lb external IP" -j ORCH-t1-SERVICES
-I PREROUTING 1 -d 192.168.7.9/32 -p tcp -m tcp --dport 443 -m comment --comment "ORCH-t1- default/lb external IP" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 192.168.7.1/32 -p tcp -m tcp --dport 443 -m comment --comment "ORCH-t1- default/lb loadbalancer IP" -j ORCH-t1-SERVICES
-I PREROUTING 1 -d 192.168.7.1/32 -p tcp -m tcp --dport 443 -m comment --comment "ORCH-t1- default/lb loadbalancer IP" -j ORCH-t1-SERVICES
-I POSTROUTING 1 -m mark --mark 0x4000/0x4000 -m comment --comment "ORCH-t1- masquerade" -j ORCH-t1-POSTROUTING
-I OUTPUT 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I OUTPUT 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p udp -m addrtype --dst-type LOCAL -m udp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 31000:31009 -m comment --comment "ORCH-t1- node ports" -j ORCH-t1-SERVICES
-I PREROUTING 1 -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES
COMMIT
`;

const webClusterIP = svc('web', { type: 'ClusterIP', clusterIP: '10.97.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] });
const webSlice = slice('web', [{ name: 'http', port: 8080, protocol: 'TCP' }], [{ addresses: ['10.244.1.3'] }, { addresses: ['10.244.1.2'], conditions: { ready: true } }, { addresses: ['10.244.1.10'], conditions: { ready: true } }]);

const CASES: { name: string; services: Service[]; slices: EndpointSlice[]; config: RulesConfig; want: string }[] = [
  {
    name: 'ClusterIP with three endpoints: random choice 1/3, 1/2, rest; off-cluster sources masqueraded',
    services: [webClusterIP],
    slices: [webSlice],
    config: BASE,
    want: GOLDEN_CLUSTERIP,
  },
  {
    name: 'no ready endpoints: REJECT for the ClusterIP:port only; headless and ExternalName get nothing',
    services: [
      svc('empty', { type: 'ClusterIP', clusterIP: '10.97.0.11', selector: { app: 'x' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      svc('alias', { type: 'ExternalName', externalName: 'example.org' }),
    ],
    slices: [slice('empty', [{ name: 'dns', port: 53, protocol: 'UDP' }], [{ addresses: ['10.244.1.9'], conditions: { ready: false } }])],
    config: BASE,
    want: GOLDEN_NOENDPOINTS,
  },
  {
    name: 'NodePort on 127.0.0.1 and a node IP, ClientIP affinity, named targetPort resolved through the slice port',
    services: [
      svc('web', {
        type: 'NodePort',
        clusterIP: '10.97.0.10',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web', nodePort: 31001 }],
      }),
    ],
    slices: [slice('web', [{ name: 'http', port: 8080 }], [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.1.4'] }])],
    config: { ...BASE, nodeIPs: ['192.168.7.1', '127.0.0.1'], localnetGuard: true },
    want: GOLDEN_NODEPORT,
  },
  {
    name: 'LoadBalancer (ServiceLB style) and external IP: exact IP + port hooks; no cluster CIDR masquerades all',
    services: [
      svc('lb', { type: 'LoadBalancer', clusterIP: '10.97.0.12', externalIPs: ['192.168.7.9'], ports: [{ port: 443, protocol: 'TCP', nodePort: 31002 }] }, { loadBalancer: { ingress: [{ ip: '192.168.7.1' }] } }),
    ],
    slices: [slice('lb', [{ port: 8443 }], [{ addresses: ['10.244.2.1'] }])],
    config: { ...BASE, clusterCidr: undefined, nodeIPs: ['192.168.7.1'] },
    want: GOLDEN_LOADBALANCER,
  },
];

describe('buildRuleset', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const got = buildRuleset({ services: c.services, endpointSlices: c.slices }, resolveRulesConfig(c.config));
      assert.equal(got, c.want);
    });
  }

  it('is deterministic: input order does not change the output', () => {
    const services = CASES.flatMap((c) => c.services).filter((s, i, all) => all.findIndex((o) => o.metadata?.name === s.metadata?.name) === i);
    const slices = CASES.flatMap((c) => c.slices);
    const cfg = resolveRulesConfig({ ...BASE, nodeIPs: ['127.0.0.1', '192.168.7.1'] });
    const a = buildRuleset({ services, endpointSlices: slices }, cfg);
    const b = buildRuleset({ services: [...services].reverse(), endpointSlices: [...slices].reverse() }, cfg);
    assert.equal(a, b);
  });

  it('never writes a rule in a built-in chain that is not a hook matching our CIDR, node ports, an exact IP:port, our mark or 127/8', () => {
    const services = CASES.flatMap((c) => c.services);
    const out = buildRuleset({ services, endpointSlices: CASES.flatMap((c) => c.slices) }, resolveRulesConfig({ ...BASE, nodeIPs: ['127.0.0.1'], localnetGuard: true }));
    const outside = out.split('\n').filter((l) => /^-[AIDR] (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(l));
    assert.ok(outside.length > 0);
    for (const l of outside) {
      const ok =
        /^-I \S+ 1 (-d 10\.97\.0\.0\/24 |-p (tcp|udp) -m addrtype --dst-type LOCAL -m (tcp|udp) --dport 31000:31009 |-d [\d.]+\/32 -p \w+ -m \w+ --dport \d+ |-m mark --mark 0x4000\/0x4000 |! -s 127\.0\.0\.0\/8 -d 127\.0\.0\.0\/8 ! -i lo )/.test(l) && / -j ORCH-t1-\S+$/.test(l);
      assert.ok(ok, `unexpected rule outside our chains: ${l}`);
    }
    assert.doesNotMatch(out, /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /m, 'a built-in chain declaration would flush it');
  });

  it('skips services outside the service CIDR and node ports outside the range, and says why', () => {
    const r = buildRules(
      {
        services: [
          svc('kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] }),
          svc('np', { type: 'NodePort', clusterIP: '10.97.0.20', ports: [{ port: 80, nodePort: 30080 }] }),
        ],
        endpointSlices: [slice('kubernetes', [{ name: 'https', port: 6443 }], [{ addresses: ['10.0.0.1'] }]), slice('np', [{ port: 80 }], [{ addresses: ['10.244.0.7'] }])],
      },
      resolveRulesConfig(BASE),
    );
    assert.deepEqual(r.skipped.map((s) => s.key), ['default/kubernetes', 'default/np']);
    assert.match(r.skipped[0].reason, /outside the service CIDR/);
    assert.match(r.skipped[1].reason, /outside the node-port range/);
    assert.ok(![...r.nat.values()].flat().some((l) => l.includes('30080') || l.includes('10.96.0.1')));
  });
});

describe('renderDelta', () => {
  const cfg = resolveRulesConfig(BASE);
  const one = buildRules({ services: [webClusterIP], endpointSlices: [webSlice] }, cfg);

  it('writes nothing when nothing changed', () => {
    assert.equal(renderDelta(buildRules({ services: [webClusterIP], endpointSlices: [webSlice] }, cfg), { prev: one }), '');
  });

  it('rewrites only the chains that changed and deletes the ones that went away', () => {
    // One endpoint fewer: the service chain changes, one endpoint chain goes, the rest stay.
    const fewer = { ...webSlice, endpoints: webSlice.endpoints.slice(1) };
    const next = buildRules({ services: [webClusterIP], endpointSlices: [fewer] }, cfg);
    const delta = renderDelta(next, { prev: one });
    const names = new ChainNames(cfg.prefix, cfg.hashLength);
    const svcChain = names.svc('default/web:http', 'tcp');
    const gone = names.sep('default/web:http', 'tcp', '10.244.1.3:8080');
    assert.equal(
      delta,
      [
        '*nat',
        `:${svcChain} - [0:0]`,
        `:${gone} - [0:0]`,
        ...next.nat.get(svcChain)!,
        `-X ${gone}`,
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('adds and removes LoadBalancer hooks as the ingress IPs change', () => {
    const lb = (ip?: string) => svc('lb', { type: 'LoadBalancer', clusterIP: '10.97.0.12', ports: [{ port: 443, nodePort: 31002 }] }, ip ? { loadBalancer: { ingress: [{ ip }] } } : {});
    const ep = slice('lb', [{ port: 8443 }], [{ addresses: ['10.244.2.1'] }]);
    const a = buildRules({ services: [lb('192.168.7.1')], endpointSlices: [ep] }, cfg);
    const b = buildRules({ services: [lb('192.168.7.2')], endpointSlices: [ep] }, cfg);
    const delta = renderDelta(b, { prev: a });
    assert.match(delta, /^-I PREROUTING 1 -d 192\.168\.7\.2\/32 -p tcp -m tcp --dport 443 .*-j ORCH-t1-SERVICES$/m);
    assert.match(delta, /^-D PREROUTING -d 192\.168\.7\.1\/32 -p tcp -m tcp --dport 443 .*-j ORCH-t1-SERVICES$/m);
    assert.match(delta, /^-D OUTPUT -d 192\.168\.7\.1\/32 /m);
  });

  it('from the kernel state: rewrites all, removes stale chains and duplicate or foreign-to-the-config hooks', async () => {
    const ipt = new FakeIptables();
    await ipt.restore(renderDelta(one));
    // A leftover chain of ours, a duplicated hook, and a chain of another instance.
    await ipt.restore('*nat\n:ORCH-t1-SVC-AAAAAAAAAAAAAAAA - [0:0]\n:ORCH-t2-SERVICES - [0:0]\n-A PREROUTING -d 10.97.0.0/24 -m comment --comment "ORCH-t1- service portals" -j ORCH-t1-SERVICES\nCOMMIT\n');
    const names = new ChainNames(cfg.prefix, cfg.hashLength);
    const kernel = emptyKernelState();
    parseSave(await ipt.save('nat'), 'nat', names, kernel);
    parseSave(await ipt.save('filter'), 'filter', names, kernel);
    await ipt.restore(renderDelta(one, { kernel }));
    assert.ok(ipt.tables.nat.has('ORCH-t2-SERVICES'), "another instance's chain is not ours to touch");
    assert.ok(!ipt.tables.nat.has('ORCH-t1-SVC-AAAAAAAAAAAAAAAA'));
    assert.equal(ipt.tables.nat.get('PREROUTING')!.filter((r) => r.includes('service portals')).length, 1);
  });

  it('a full sync in small batches over stale state ends equal to a fresh one, each batch applying on its own', async () => {
    const names = new ChainNames(cfg.prefix, cfg.hashLength);
    const all = { services: CASES.flatMap((c) => c.services).filter((s) => s.metadata?.name !== 'web'), endpointSlices: CASES.flatMap((c) => c.slices) };
    const want = buildRules({ services: [...all.services, webClusterIP], endpointSlices: [...all.endpointSlices, webSlice] }, cfg);
    const fresh = new FakeIptables();
    await fresh.restore(renderDelta(want));
    // The kernel holds an older state: other endpoints, a service since deleted.
    const ipt = new FakeIptables();
    await ipt.restore(renderDelta(buildRules({ services: [...all.services, svc('gone', { clusterIP: '10.97.0.99', ports: [{ port: 1 }] })], endpointSlices: [...all.endpointSlices, slice('gone', [{ port: 1 }], [{ addresses: ['10.244.9.9'] }])] }, cfg)));
    const kernel = emptyKernelState();
    parseSave(await ipt.save('nat'), 'nat', names, kernel);
    parseSave(await ipt.save('filter'), 'filter', names, kernel);
    const parts = planFullSync(want, kernel, 2);
    assert.ok(parts.length > 3, `${parts.length} parts`);
    for (const p of parts) await ipt.restore(p);
    assert.deepEqual(ipt.tables, fresh.tables);
    // A large change from what was written last, in parts too.
    const older = buildRules({ services: [...all.services, svc('gone', { clusterIP: '10.97.0.99', ports: [{ port: 1 }] })], endpointSlices: [...all.endpointSlices, slice('gone', [{ port: 1 }], [{ addresses: ['10.244.9.9'] }])] }, cfg);
    const fromPrev = new FakeIptables();
    await fromPrev.restore(renderDelta(older));
    const partsFromPrev = planSync(want, { prev: older }, 2);
    assert.ok(partsFromPrev.length > 2, `${partsFromPrev.length} parts`);
    for (const p of partsFromPrev) await fromPrev.restore(p);
    assert.deepEqual(fromPrev.tables, fresh.tables);
    assert.deepEqual(planSync(want, { prev: older }), [renderDelta(want, { prev: older })], 'a small change is one transaction');
    // And on a kernel with nothing of ours.
    const empty = new FakeIptables();
    for (const p of planFullSync(want, emptyKernelState(), 2)) await empty.restore(p);
    assert.deepEqual(empty.tables, fresh.tables);
  });

  it('a full sync with no services still writes MARK-MASQ (the fixed chains jump to it)', async () => {
    const want = buildRules({ services: [], endpointSlices: [] }, cfg);
    const fresh = new FakeIptables();
    await fresh.restore(renderDelta(want));
    const ipt = new FakeIptables();
    for (const p of planFullSync(want, emptyKernelState(), 2)) await ipt.restore(p);
    assert.deepEqual(ipt.tables, fresh.tables);
    assert.ok(ipt.userChains().includes(`nat/${cfg.prefix}MARK-MASQ`), ipt.userChains().join(' '));
  });

  it('cleanup input removes every chain and hook of ours and nothing else', async () => {
    const ipt = new FakeIptables();
    await ipt.restore('*nat\n:OTHER - [0:0]\n-A OUTPUT -j OTHER\nCOMMIT\n');
    const rules = buildRules({ services: CASES.flatMap((c) => c.services), endpointSlices: CASES.flatMap((c) => c.slices) }, resolveRulesConfig({ ...BASE, nodeIPs: ['127.0.0.1'], localnetGuard: true }));
    await ipt.restore(renderDelta(rules));
    const names = new ChainNames(cfg.prefix, cfg.hashLength);
    const kernel = emptyKernelState();
    parseSave(await ipt.save('nat'), 'nat', names, kernel);
    parseSave(await ipt.save('filter'), 'filter', names, kernel);
    for (const p of planCleanup(kernel, 3)) await ipt.restore(p);
    assert.deepEqual(ipt.userChains(), ['nat/OTHER']);
    assert.deepEqual(ipt.builtinRules(), ['nat/OUTPUT -j OTHER']);
  });
});
