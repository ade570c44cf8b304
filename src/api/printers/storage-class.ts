/** StorageClasses: the default class is flagged in the NAME cell, `local-path (default)`. */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { age } from './age.js';
import { ageColumn, column, nameColumn, type Printer } from './types.js';

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

export const isDefaultStorageClass = (sc: StorageClass): boolean =>
  DEFAULT_CLASS_ANNOTATIONS.some((a) => sc.metadata?.annotations?.[a] === 'true');

export const storageClassPrinter = {
  columns: [
    nameColumn,
    column('Provisioner', 'The provisioner that creates volumes of this class.'),
    column('ReclaimPolicy', 'What happens to a volume of this class when its claim is released.'),
    column('VolumeBindingMode', 'When volumes are bound: Immediate, or WaitForFirstConsumer.'),
    column('AllowVolumeExpansion', 'Whether claims of this class may grow.'),
    ageColumn,
  ],
  row(sc, now) {
    const name = sc.metadata?.name ?? '';
    return [
      isDefaultStorageClass(sc) ? `${name} (default)` : name,
      sc.provisioner ?? '',
      // storage.k8s.io/v1 defaults: Delete and Immediate.
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion ?? false,
      age(sc, now),
    ];
  },
} satisfies Printer<StorageClass>;
