/** ReplicaSets: desired, current and ready replica counts. */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { age } from './age.js';
import { containerCells } from './format.js';
import { formatLabelSelector } from './labels.js';
import { ageColumn, column, nameColumn, wide, type Printer } from './types.js';

export const replicaSetPrinter = {
  columns: [
    nameColumn,
    column('Desired', 'Replicas wanted (spec.replicas).', { type: 'integer' }),
    column('Current', 'Replicas that exist (status.replicas).', { type: 'integer' }),
    column('Ready', 'Replicas that are ready (status.readyReplicas).', { type: 'integer' }),
    ageColumn,
    wide('Containers', 'Names of the containers in the pod template.'),
    wide('Images', 'Images of the containers in the pod template.'),
    wide('Selector', 'The label selector that picks the pods of this ReplicaSet.'),
  ],
  row(rs, now) {
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata?.name ?? '',
      // apps/v1 defaults spec.replicas to 1.
      rs.spec?.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
} satisfies Printer<ReplicaSet>;
