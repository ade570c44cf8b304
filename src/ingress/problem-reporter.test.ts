import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { ProblemReporter } from './problem-reporter.js';
import type { Problem } from './routes.js';

describe('ProblemReporter', () => {
  it('sends an identical event at most once per interval, and different ones freely', () => {
    const sent: string[] = [];
    const clock = { t: 0 };
    const r = new ProblemReporter({ event: (obj: any, type, reason, message) => sent.push(`${obj.kind} ${obj.metadata.name} ${type} ${reason} ${message}`) }, 1000, () => clock.t);
    const ings = new Map<string, Ingress>([['n/a', { metadata: { name: 'a', namespace: 'n', uid: 'u1' } }]]);
    const p: Problem = { ingress: 'n/a', reason: 'ServiceNotFound', message: 'Service n/s not found' };
    assert.equal(r.report([p], (k) => ings.get(k)), 1);
    assert.equal(r.report([p], (k) => ings.get(k)), 0);
    assert.equal(r.report([{ ...p, message: 'Service n/t not found' }], (k) => ings.get(k)), 1);
    assert.equal(r.report([{ ...p, ingress: 'n/gone' }], (k) => ings.get(k)), 0, 'an Ingress no longer cached gets nothing');
    clock.t = 1000;
    assert.equal(r.report([p], (k) => ings.get(k)), 1);
    assert.deepEqual(sent, ['Ingress a Warning ServiceNotFound Service n/s not found', 'Ingress a Warning ServiceNotFound Service n/t not found', 'Ingress a Warning ServiceNotFound Service n/s not found']);
  });
});
