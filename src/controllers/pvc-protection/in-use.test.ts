import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podUsesClaim } from './in-use.js';

function pod(o: { node?: string; phase?: string; claim?: string; ns?: string }): Pod {
  return {
    metadata: { name: 'p', namespace: o.ns ?? 'default' },
    spec: { nodeName: o.node, containers: [], volumes: o.claim ? [{ name: 'v', persistentVolumeClaim: { claimName: o.claim } }] : [] },
    status: { phase: o.phase ?? 'Running' },
  };
}

describe('podUsesClaim', () => {
  const cases: { name: string; pod: Pod; want: boolean }[] = [
    { name: 'a running pod on a node', pod: pod({ node: 'n', claim: 'c' }), want: true },
    { name: 'a pending pod already on a node', pod: pod({ node: 'n', claim: 'c', phase: 'Pending' }), want: true },
    { name: 'an unscheduled pod does not hold the claim', pod: pod({ claim: 'c' }), want: false },
    { name: 'a succeeded pod', pod: pod({ node: 'n', claim: 'c', phase: 'Succeeded' }), want: false },
    { name: 'a failed pod', pod: pod({ node: 'n', claim: 'c', phase: 'Failed' }), want: false },
    { name: 'another claim', pod: pod({ node: 'n', claim: 'd' }), want: false },
    { name: 'same claim name in another namespace', pod: pod({ node: 'n', claim: 'c', ns: 'other' }), want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(podUsesClaim(c.pod, 'default', 'c'), c.want));
});
