import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';
import { statusPatch } from './status.js';

const ing = (lb?: IngressLoadBalancerIngress[]): Ingress => ({ metadata: { name: 'x', namespace: 'n' }, status: lb ? { loadBalancer: { ingress: lb } } : {} });

describe('ingress status', () => {
  const cases: { name: string; ing: Ingress; served: boolean; address?: string; want: unknown }[] = [
    { name: 'served, empty: set', ing: ing(), served: true, want: { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } } },
    { name: 'served, already set: nothing', ing: ing([{ ip: '10.0.0.1' }]), served: true, want: undefined },
    { name: 'served, another address: replace', ing: ing([{ ip: '10.9.9.9' }]), served: true, want: { status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } } },
    { name: 'served, hostname address', ing: ing(), served: true, address: 'lb.example.com', want: { status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } } },
    { name: 'not served, ours: clear', ing: ing([{ ip: '10.0.0.1' }]), served: false, want: { status: { loadBalancer: { ingress: null } } } },
    { name: 'not served, ours among others: remove ours', ing: ing([{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]), served: false, want: { status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }] } } } },
    { name: 'not served, not ours: leave it', ing: ing([{ ip: '10.0.0.2' }]), served: false, want: undefined },
    { name: 'not served, empty: nothing', ing: ing(), served: false, want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(statusPatch(c.ing, c.served, c.address ?? '10.0.0.1'), c.want));
});
