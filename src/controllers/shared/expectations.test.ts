import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Expectations } from './expectations.js';

describe('Expectations', () => {
  const cases: { name: string; steps: (e: Expectations, clock: { t: number }) => void; satisfied: boolean }[] = [
    { name: 'no record is satisfied', steps: () => {}, satisfied: true },
    { name: 'pending creations are not', steps: (e) => e.expectCreations('k', 2), satisfied: false },
    {
      name: 'all creations observed',
      steps: (e) => {
        e.expectCreations('k', 2);
        e.creationObserved('k');
        e.creationObserved('k');
      },
      satisfied: true,
    },
    {
      name: 'one creation still missing',
      steps: (e) => {
        e.expectCreations('k', 2);
        e.creationObserved('k');
      },
      satisfied: false,
    },
    {
      name: 'a deletion counts once per pod, however often it is seen',
      steps: (e) => {
        e.expectDeletions('k', ['ns/a', 'ns/b']);
        e.deletionObserved('k', 'ns/a');
        e.deletionObserved('k', 'ns/a');
      },
      satisfied: false,
    },
    {
      name: 'deletions of other pods do not count',
      steps: (e) => {
        e.expectDeletions('k', ['ns/a']);
        e.deletionObserved('k', 'ns/z');
      },
      satisfied: false,
    },
    {
      name: 'all deletions observed',
      steps: (e) => {
        e.expectDeletions('k', ['ns/a', 'ns/b']);
        e.deletionObserved('k', 'ns/b');
        e.deletionObserved('k', 'ns/a');
      },
      satisfied: true,
    },
    {
      name: 'an unfulfilled record expires',
      steps: (e, clock) => {
        e.expectCreations('k', 5);
        clock.t += 1001;
      },
      satisfied: true,
    },
    {
      name: 'deleting the record satisfies',
      steps: (e) => {
        e.expectCreations('k', 5);
        e.delete('k');
      },
      satisfied: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const clock = { t: 0 };
      const e = new Expectations(1000, () => clock.t);
      c.steps(e, clock);
      assert.equal(e.satisfied('k'), c.satisfied);
    });
  }
});
