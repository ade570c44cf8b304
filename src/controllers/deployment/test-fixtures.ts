/** Builders for the Deployment controller's unit tests. */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';

export interface RSOpts {
  replicas: number;
  /** status.replicas (default: replicas) */
  actual?: number;
  available?: number;
  ready?: number;
  revision?: number;
  created?: string;
  maxReplicas?: number;
  desired?: number;
  generation?: number;
  observedGeneration?: number;
  image?: string;
}

export function rs(name: string, o: RSOpts): ReplicaSet {
  const ann: Record<string, string> = {};
  if (o.revision !== undefined) ann['deployment.kubernetes.io/revision'] = String(o.revision);
  if (o.maxReplicas !== undefined) ann['deployment.kubernetes.io/max-replicas'] = String(o.maxReplicas);
  if (o.desired !== undefined) ann['deployment.kubernetes.io/desired-replicas'] = String(o.desired);
  return {
    metadata: { name, uid: `uid-${name}`, creationTimestamp: o.created ?? '2025-01-01T00:00:00Z', annotations: ann, generation: o.generation ?? 1 },
    spec: {
      replicas: o.replicas,
      selector: {},
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'c', image: o.image ?? name }] } },
    },
    status: {
      replicas: o.actual ?? o.replicas,
      availableReplicas: o.available ?? 0,
      readyReplicas: o.ready ?? o.available ?? 0,
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
    },
  };
}

export function deployment(replicas: number, strategy: { maxSurge?: number | string; maxUnavailable?: number | string } | 'Recreate' = {}, image = 'new'): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: strategy.maxSurge ?? '25%', maxUnavailable: strategy.maxUnavailable ?? '25%' } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    },
    status: {},
  };
}
