import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { buildSandboxConfig, hostsFile, podDnsConfig, portMappings, supplementalGroups } from './sandbox-config.js';
import { POD_UID_LABEL } from './labels.js';

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web-0', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'x' }], ...spec },
});

test('dnsPolicy ClusterFirst: cluster DNS, namespace search path, ndots:5', () => {
  assert.deepEqual(podDnsConfig(pod(), ['10.96.0.10'], 'cluster.local'), {
    servers: ['10.96.0.10'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
    options: ['ndots:5'],
  });
});

test('dnsPolicy Default and host-network ClusterFirst use the host resolv.conf; None takes dnsConfig alone', () => {
  assert.equal(podDnsConfig(pod({ dnsPolicy: 'Default' }), ['10.96.0.10'], 'cluster.local'), undefined);
  assert.equal(podDnsConfig(pod({ hostNetwork: true }), ['10.96.0.10'], 'cluster.local'), undefined);
  assert.equal(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), ['10.96.0.10'], 'cluster.local')?.servers?.[0], '10.96.0.10');
  assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), ['10.96.0.10'], 'cluster.local'), {
    servers: ['1.2.3.4'],
    searches: ['a.example'],
    options: ['ndots:2', 'edns0'],
  });
});

test('dnsConfig merges into ClusterFirst, its options replacing same-named ones', () => {
  const c = podDnsConfig(pod({ dnsConfig: { searches: ['extra.example'], options: [{ name: 'ndots', value: '1' }] } }), ['10.96.0.10'], 'cluster.local');
  assert.deepEqual(c?.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'extra.example']);
  assert.deepEqual(c?.options, ['ndots:1']);
});

test('the hosts file has localhost, the pod address with hostname (and FQDN with a subdomain) and host aliases', () => {
  const plain = hostsFile(pod(), ['10.244.1.5'], 'cluster.local');
  assert.match(plain, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(plain, /^10\.244\.1\.5\tweb-0$/m);
  const sub = hostsFile(pod({ hostname: 'db', subdomain: 'dbs', hostAliases: [{ ip: '10.0.0.9', hostnames: ['a', 'b'] }] }), ['10.244.1.5'], 'cluster.local');
  assert.match(sub, /^10\.244\.1\.5\tdb\.dbs\.shop\.svc\.cluster\.local\tdb$/m);
  assert.match(sub, /^10\.0\.0\.9\ta\tb$/m);
});

test('the sandbox config carries hostname, host ports, the uid label, cgroup parent and attempt', () => {
  const p = pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] }] });
  assert.deepEqual(portMappings(p), [{ protocol: 'TCP', container_port: 80, host_port: 8080 }]);
  const s = buildSandboxConfig(p, { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', logDirectory: '/logs', cgroupParent: '/orch-t/podu-1', attempt: 2 });
  assert.equal(s.hostname, 'web-0');
  assert.deepEqual(s.metadata, { name: 'web-0', namespace: 'shop', uid: 'u-1', attempt: 2 });
  assert.equal(s.labels?.[POD_UID_LABEL], 'u-1');
  assert.equal(s.labels?.app, 'web');
  assert.equal(s.linux?.cgroup_parent, '/orch-t/podu-1');
  assert.equal(s.linux?.security_context?.namespace_options?.network, 'POD');
  assert.equal(buildSandboxConfig(pod({ hostNetwork: true }), { clusterDns: [], clusterDomain: 'cluster.local', logDirectory: '/l', cgroupParent: '/p', attempt: 0 }).linux?.security_context?.namespace_options?.network, 'NODE');
});

test('fsGroup joins the supplemental groups, last and once, so non-root containers can write its volumes', () => {
  assert.deepEqual(supplementalGroups(undefined), []);
  assert.deepEqual(supplementalGroups({ fsGroup: 2000 }), [2000]);
  assert.deepEqual(supplementalGroups({ supplementalGroups: [5, 6], fsGroup: 2000 }), [5, 6, 2000]);
  assert.deepEqual(supplementalGroups({ supplementalGroups: [2000], fsGroup: 2000 }), [2000]);
  const cfg = buildSandboxConfig(pod({ securityContext: { runAsUser: 1000, fsGroup: 2000 } }), { logDirectory: '/l', cgroupParent: '/c', clusterDns: [], clusterDomain: 'cluster.local', attempt: 0 });
  assert.deepEqual(cfg.linux?.security_context?.supplemental_groups, [2000]);
});
