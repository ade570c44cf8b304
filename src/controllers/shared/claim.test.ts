import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../machinery/errors.js';
import { labelSelectorFromObject } from '../../machinery/labels.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { claim } from './claim.js';

const OWNER = { metadata: { name: 'rs', namespace: 'ns', uid: 'owner-uid' } };
const ref = (uid: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid, controller: true, blockOwnerDeletion: true });

function pod(name: string, labels: Record<string, string>, owner?: string, extra: Partial<Pod['metadata']> = {}): Pod {
  return { metadata: { name, namespace: 'ns', resourceVersion: '3', labels, ownerReferences: owner ? [ref(owner)] : undefined, ...extra } };
}

/** A fake pods client recording merge patches (unit tests only). */
function fakeClient(fail: Record<string, ApiError> = {}) {
  const patches: { name: string; body: any }[] = [];
  const client = {
    patch: async (_ns: string, name: string, body: any) => {
      patches.push({ name, body });
      if (fail[name]) throw fail[name];
      return { metadata: { name, ...body.metadata } };
    },
  } as unknown as ResourceClient<Pod>;
  return { client, patches };
}

describe('claim', () => {
  const selector = labelSelectorFromObject({ matchLabels: { app: 'web' } });

  it('keeps, adopts and releases by selector and controller', async () => {
    const { client, patches } = fakeClient();
    let rechecks = 0;
    const got = await claim({
      owner: OWNER,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'ReplicaSet',
      selector,
      client,
      canAdopt: async () => void rechecks++,
      candidates: [
        pod('mine', { app: 'web' }, 'owner-uid'),
        pod('orphan', { app: 'web' }),
        pod('orphan2', { app: 'web' }),
        pod('stray', { app: 'db' }, 'owner-uid'),
        pod('theirs', { app: 'web' }, 'other-uid'),
        pod('unrelated', { app: 'db' }),
        pod('dying-orphan', { app: 'web' }, undefined, { deletionTimestamp: '2025-01-01T00:00:00Z' }),
      ],
    });
    assert.deepEqual(got.map((p) => p.metadata!.name).sort(), ['mine', 'orphan', 'orphan2']);
    assert.equal(rechecks, 1, 'the owner is re-read once, before the first adoption');
    const byName = Object.fromEntries(patches.map((p) => [p.name, p.body]));
    assert.deepEqual(Object.keys(byName).sort(), ['orphan', 'orphan2', 'stray']);
    assert.deepEqual(byName.orphan, { metadata: { ownerReferences: [{ ...ref('owner-uid'), name: 'rs' }], resourceVersion: '3' } });
    assert.deepEqual(byName.stray, { metadata: { ownerReferences: null, resourceVersion: '3' } });
  });

  it('adopts nothing when the owner is being deleted, and releases nothing', async () => {
    const { client, patches } = fakeClient();
    const got = await claim({
      owner: { metadata: { ...OWNER.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } },
      ownerApiVersion: 'apps/v1',
      ownerKind: 'ReplicaSet',
      selector,
      client,
      canAdopt: async () => {},
      candidates: [pod('mine', { app: 'web' }, 'owner-uid'), pod('orphan', { app: 'web' }), pod('stray', { app: 'db' }, 'owner-uid')],
    });
    assert.deepEqual(got.map((p) => p.metadata!.name), ['mine']);
    assert.deepEqual(patches, []);
  });

  it('does not adopt when the owner recheck fails, and reports it', async () => {
    const { client, patches } = fakeClient();
    await assert.rejects(
      claim({
        owner: OWNER,
        ownerApiVersion: 'apps/v1',
        ownerKind: 'ReplicaSet',
        selector,
        client,
        canAdopt: async () => {
          throw new Error('owner gone');
        },
        candidates: [pod('orphan', { app: 'web' })],
      }),
      /owner gone/,
    );
    assert.deepEqual(patches, []);
  });

  it('ignores objects that vanished, but fails on conflicts', async () => {
    const gone = fakeClient({ orphan: new ApiError(404, 'NotFound', 'gone') });
    const got = await claim({ owner: OWNER, ownerApiVersion: 'apps/v1', ownerKind: 'ReplicaSet', selector, client: gone.client, canAdopt: async () => {}, candidates: [pod('orphan', { app: 'web' })] });
    assert.deepEqual(got, []);
    const conflict = fakeClient({ orphan: new ApiError(409, 'Conflict', 'modified') });
    await assert.rejects(
      claim({ owner: OWNER, ownerApiVersion: 'apps/v1', ownerKind: 'ReplicaSet', selector, client: conflict.client, canAdopt: async () => {}, candidates: [pod('orphan', { app: 'web' })] }),
      /modified/,
    );
  });
});
