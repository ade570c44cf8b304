/** The pod a ReplicaSet creates: its template, a generated name and a controller reference to it. */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newControllerRef } from '../shared/controller-ref.js';

export function podFromTemplate(rs: ReplicaSet): Pod {
  const tpl = rs.spec?.template ?? {};
  const m = tpl.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      // The API server appends five random characters: <rs>-x7k2p.
      generateName: `${rs.metadata!.name}-`,
      namespace: rs.metadata!.namespace,
      ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: structuredClone(tpl.spec!),
  };
  if (m.labels) pod.metadata!.labels = { ...m.labels };
  if (m.annotations) pod.metadata!.annotations = { ...m.annotations };
  if (m.finalizers) pod.metadata!.finalizers = [...m.finalizers];
  return pod;
}
