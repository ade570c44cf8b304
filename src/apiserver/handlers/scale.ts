/** The scale subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets. */
import { selectorToString } from '../../machinery/labels.js';
import { errors } from '../../machinery/errors.js';
import type { Strategy } from '../registry/strategy.js';

export function scaleOf(obj: any): unknown {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: obj.spec?.selector ? selectorToString(obj.spec.selector) : '' },
  };
}

/** A PUT of a Scale changes only spec.replicas of its object, then validates it as usual. */
export function scaleStrategy(base: Strategy, scale: any): Strategy {
  return {
    ...base,
    tracksGeneration: base.tracksGeneration,
    prepareForUpdate(obj, old) {
      const replicas = scale?.spec?.replicas;
      if (!Number.isInteger(replicas))
        throw errors.invalid({ resource: 'scale', group: 'autoscaling', kind: 'Scale', name: obj.metadata.name }, [
          { type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be an integer' },
        ]);
      obj.spec.replicas = replicas;
      base.prepareForUpdate(obj, old);
    },
  };
}
