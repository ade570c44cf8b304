/** Terse PersistentVolumes, claims and classes for unit tests of the binder and the scheduler. */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { HOSTNAME_LABEL } from './persistent-volumes.js';

export interface PvShort {
  name: string;
  size?: string;
  modes?: string[];
  className?: string;
  labels?: Record<string, string>;
  /** `ns/name` or `ns/name/uid` */
  claimRef?: string;
  phase?: string;
  policy?: string;
  node?: string;
  annotations?: Record<string, string>;
  volumeMode?: string;
  deleting?: boolean;
}

export function pv(p: PvShort): PersistentVolume {
  const [ns, name, uid] = p.claimRef?.split('/') ?? [];
  return {
    metadata: { name: p.name, labels: p.labels, annotations: p.annotations, deletionTimestamp: p.deleting ? '2025-01-01T00:00:00Z' : undefined },
    spec: {
      capacity: { storage: p.size ?? '10Gi' },
      accessModes: p.modes ?? ['ReadWriteOnce'],
      storageClassName: p.className,
      persistentVolumeReclaimPolicy: p.policy ?? 'Retain',
      volumeMode: p.volumeMode,
      claimRef: p.claimRef ? { kind: 'PersistentVolumeClaim', namespace: ns, name, uid } : undefined,
      hostPath: { path: `/data/${p.name}` },
      nodeAffinity: p.node ? { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [p.node] }] }] } } : undefined,
    },
    status: p.phase ? { phase: p.phase } : undefined,
  };
}

export interface PvcShort {
  name: string;
  namespace?: string;
  uid?: string;
  size?: string;
  modes?: string[];
  /** undefined: no class field at all */
  className?: string;
  selector?: LabelSelector;
  volumeName?: string;
  annotations?: Record<string, string>;
  phase?: string;
  deleting?: boolean;
}

export function pvc(c: PvcShort): PersistentVolumeClaim {
  return {
    metadata: {
      name: c.name,
      namespace: c.namespace ?? 'default',
      uid: c.uid ?? `uid-${c.name}`,
      annotations: c.annotations,
      deletionTimestamp: c.deleting ? '2025-01-01T00:00:00Z' : undefined,
    },
    spec: {
      accessModes: c.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: c.size ?? '1Gi' } },
      storageClassName: c.className,
      selector: c.selector,
      volumeName: c.volumeName,
    },
    status: c.phase ? { phase: c.phase } : undefined,
  };
}

export function storageClass(name: string, provisioner: string, mode = 'Immediate', annotations?: Record<string, string>): StorageClass {
  return { metadata: { name, annotations }, provisioner, volumeBindingMode: mode, reclaimPolicy: 'Delete' };
}
