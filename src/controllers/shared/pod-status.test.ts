import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodAvailable, isPodReady } from './pod-status.js';

const NOW = Date.parse('2025-01-01T00:01:00Z');
function pod(phase: string, ready?: 'True' | 'False', since = '2025-01-01T00:00:00Z', deleting = false): Pod {
  return {
    metadata: { name: 'p', deletionTimestamp: deleting ? since : undefined },
    status: { phase, conditions: ready ? [{ type: 'Ready', status: ready, lastTransitionTime: since }] : [] },
  };
}

describe('pod status', () => {
  const cases: { name: string; pod: Pod; active: boolean; ready: boolean; available: [number, boolean][] }[] = [
    { name: 'pending', pod: pod('Pending'), active: true, ready: false, available: [[0, false]] },
    { name: 'running, not ready', pod: pod('Running', 'False'), active: true, ready: false, available: [[0, false]] },
    { name: 'ready for 60s', pod: pod('Running', 'True'), active: true, ready: true, available: [[0, true], [59, true], [60, false], [61, false]] },
    { name: 'succeeded', pod: pod('Succeeded'), active: false, ready: false, available: [[0, false]] },
    { name: 'failed', pod: pod('Failed'), active: false, ready: false, available: [[0, false]] },
    { name: 'terminating', pod: pod('Running', 'True', undefined, true), active: false, ready: true, available: [[0, true]] },
    { name: 'ready without a time', pod: pod('Running', 'True', ''), active: true, ready: true, available: [[0, true], [1, false]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isPodActive(c.pod), c.active);
      assert.equal(isPodReady(c.pod), c.ready);
      for (const [minReady, want] of c.available) assert.equal(isPodAvailable(c.pod, minReady, NOW), want, `minReadySeconds ${minReady}`);
    });
  }
});
