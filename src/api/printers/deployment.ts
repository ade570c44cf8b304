/** Deployments: READY as `ready/desired`, then the rollout counters. */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { age } from './age.js';
import { containerCells } from './format.js';
import { labelSelectorString } from './labels.js';
import { ageColumn, column, nameColumn, wide, type Printer } from './types.js';

export const deploymentPrinter = {
  columns: [
    nameColumn,
    column('Ready', 'Ready pods out of the desired replicas.'),
    column('Up-to-date', 'Replicas running the latest pod template (status.updatedReplicas).'),
    column('Available', 'Replicas ready for at least minReadySeconds (status.availableReplicas).'),
    ageColumn,
    wide('Containers', 'Names of the containers in the pod template.'),
    wide('Images', 'Images of the containers in the pod template.'),
    wide('Selector', 'The label selector that picks the pods of this Deployment.'),
  ],
  row(d, now) {
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    // apps/v1 defaults spec.replicas to 1.
    const desired = d.spec?.replicas ?? 1;
    return [
      d.metadata?.name ?? '',
      `${d.status?.readyReplicas ?? 0}/${desired}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      age(d, now),
      names,
      images,
      // kube-apiserver leaves an empty Deployment selector blank where a ReplicaSet gets <none>.
      labelSelectorString(d.spec?.selector) ?? '<invalid>',
    ];
  },
} satisfies Printer<Deployment>;
