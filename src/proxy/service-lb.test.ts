import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { lbStatusPatch, planServiceLb } from './service-lb.js';

const lb = (name: string, created: string, ports: [number, string?][], extra: Partial<Service['spec']> = {}): Service => ({
  metadata: { namespace: 'ns', name, creationTimestamp: created },
  spec: { type: 'LoadBalancer', ports: ports.map(([port, protocol]) => ({ port, protocol })), ...extra },
});

describe('ServiceLB plan', () => {
  it('gives every LoadBalancer Service the node addresses', () => {
    const plan = planServiceLb([lb('a', '2024-01-01T00:00:00Z', [[80]]), lb('b', '2024-01-01T00:00:01Z', [[443]])], ['127.0.0.1']);
    assert.deepEqual([...plan], [
      ['ns/a', { ips: ['127.0.0.1'] }],
      ['ns/b', { ips: ['127.0.0.1'] }],
    ]);
  });

  it('leaves a later Service wanting a taken port pending; another protocol is a different port', () => {
    const plan = planServiceLb([lb('late', '2024-01-02T00:00:00Z', [[80]]), lb('early', '2024-01-01T00:00:00Z', [[80]]), lb('udp', '2024-01-03T00:00:00Z', [[80, 'UDP']])], ['127.0.0.1']);
    assert.deepEqual(plan.get('ns/early'), { ips: ['127.0.0.1'] });
    assert.deepEqual(plan.get('ns/late'), { ips: [], conflict: 'port 80/TCP is already used by LoadBalancer Service ns/early' });
    assert.deepEqual(plan.get('ns/udp'), { ips: ['127.0.0.1'] });
  });

  it('ignores other types, other load balancer classes and Services being deleted', () => {
    const svcs: Service[] = [
      { metadata: { namespace: 'ns', name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
      lb('other', '2024-01-01T00:00:00Z', [[80]], { loadBalancerClass: 'example.com/lb' }),
      { ...lb('going', '2024-01-01T00:00:00Z', [[80]]), metadata: { namespace: 'ns', name: 'going', deletionTimestamp: '2024-01-02T00:00:00Z' } },
    ];
    assert.equal(planServiceLb(svcs, ['127.0.0.1']).size, 0);
  });

  it('takes the address back from a Service that is no longer a LoadBalancer', () => {
    const was: Service = { metadata: { namespace: 'ns', name: 'was' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } };
    const plan = planServiceLb([was], ['127.0.0.1']);
    assert.deepEqual(plan.get('ns/was'), { ips: [] });
    assert.deepEqual(lbStatusPatch(was, plan.get('ns/was')!), { status: { loadBalancer: { ingress: null } } });
  });

  it('patches status only when it differs, and clears it while pending', () => {
    const svc = lb('a', '2024-01-01T00:00:00Z', [[80]]);
    assert.deepEqual(lbStatusPatch(svc, { ips: ['127.0.0.1'] }), { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } });
    const done: Service = { ...svc, status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } };
    assert.equal(lbStatusPatch(done, { ips: ['127.0.0.1'] }), undefined);
    assert.deepEqual(lbStatusPatch(done, { ips: [], conflict: 'x' }), { status: { loadBalancer: { ingress: null } } });
  });
});
