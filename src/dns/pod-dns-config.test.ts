import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podDnsConfig } from './pod-dns-config.js';

describe('podDnsConfig (dnsPolicy ClusterFirst)', () => {
  it('points at the cluster DNS with the cluster search path and ndots:5', () => {
    assert.deepEqual(podDnsConfig('web', 'cluster.local', '10.96.0.10'), {
      servers: ['10.96.0.10'],
      searches: ['web.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    });
  });

  it('appends the host search domains after the cluster ones, without duplicates', () => {
    const c = podDnsConfig('default', 'cluster.local.', ['10.96.0.10'], ['corp.example.com.', 'cluster.local']);
    assert.deepEqual(c.searches, ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example.com']);
  });

  it('keeps within the kubelet limits on search domains', () => {
    const many = Array.from({ length: 50 }, (_, i) => `d${i}.example.com`);
    assert.equal(podDnsConfig('ns', 'cluster.local', '10.96.0.10', many).searches.length, 32);
    const long = Array.from({ length: 20 }, (_, i) => `${'x'.repeat(200)}${i}.example.com`);
    assert.ok(podDnsConfig('ns', 'cluster.local', '10.96.0.10', long).searches.join(' ').length <= 2048);
  });
});
