import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedHeap } from './heap.js';

test('KeyedHeap pops in order and supports update and delete by key', () => {
  const h = new KeyedHeap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
  const values = [5, 3, 9, 1, 7, 2, 8, 6, 4, 0];
  for (const v of values) h.push({ k: `k${v}`, v });
  h.push({ k: 'k9', v: -1 }); // update moves it to the front
  h.delete('k5');
  h.delete('missing');
  const out: string[] = [];
  for (let x = h.pop(); x; x = h.pop()) out.push(x.k);
  assert.deepEqual(out, ['k9', 'k0', 'k1', 'k2', 'k3', 'k4', 'k6', 'k7', 'k8']);
});

test('KeyedHeap stays ordered under random operations', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const h = new KeyedHeap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
  const model = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const k = `k${Math.floor(rnd() * 300)}`;
    const op = rnd();
    if (op < 0.6) {
      const v = Math.floor(rnd() * 1000);
      h.push({ k, v });
      model.set(k, v);
    } else if (op < 0.8) {
      h.delete(k);
      model.delete(k);
    } else {
      const top = h.pop();
      const min = Math.min(...model.values());
      assert.equal(top?.v, model.size ? min : undefined);
      if (top) model.delete(top.k);
    }
    assert.equal(h.size, model.size);
  }
});
