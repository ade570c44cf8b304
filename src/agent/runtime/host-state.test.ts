import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readOrchChains, recordSharedChains, updateOrchChains } from './host-state.js';

test('two overlapping orch nodes both count the shared CNI chains as orch-made; a foreign one stays foreign', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'orch-host-state-'));
  const marker = path.join(dir, 'run', 'cni-shared-chains.json');
  try {
    // Node A starts on a clean host: nothing is foreign, every shared chain goes on the list.
    assert.deepEqual(await recordSharedChains({ filter: [], nat: [] }, marker), { filter: [], nat: [] });
    assert.deepEqual((await readOrchChains(marker)).filter, ['CNI-FORWARD', 'CNI-ADMIN']);
    // Node B starts after A's first pod made the firewall chains: they are A's, not foreign.
    assert.deepEqual(await recordSharedChains({ filter: ['CNI-FORWARD', 'CNI-ADMIN'], nat: [] }, marker), { filter: [], nat: [] });
    // A stops and removes CNI-ADMIN only (say): it leaves the list, the rest stays.
    await updateOrchChains((cur) => ({ ...cur, filter: cur.filter.filter((c) => c !== 'CNI-ADMIN') }), marker);
    // Podman made CNI-ADMIN meanwhile: a node starting now sees it as foreign.
    assert.deepEqual(await recordSharedChains({ filter: ['CNI-FORWARD', 'CNI-ADMIN'], nat: [] }, marker), { filter: ['CNI-ADMIN'], nat: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing or broken marker reads as empty', async () => {
  assert.deepEqual(await readOrchChains('/nonexistent/orch/marker.json'), { filter: [], nat: [] });
});
