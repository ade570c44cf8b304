/**
 * apps/v1 Deployment and ReplicaSet defaults. apps/v1 does not default the selector from
 * the template labels (extensions/v1beta1 did); validation requires it instead.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { defaultPodTemplateSpec } from './pod.js';
import { isObj, setIfUnset } from './util.js';

export function defaultDeployment(d: Deployment): void {
  if (!isObj(d.spec)) return;
  const spec = d.spec;
  setIfUnset(spec, 'replicas', 1);
  if (!isObj(spec.strategy)) spec.strategy = {};
  setIfUnset(spec.strategy, 'type', 'RollingUpdate');
  // Only a rolling update has surge and unavailability; Recreate must not gain them.
  if (spec.strategy.type === 'RollingUpdate') {
    if (!isObj(spec.strategy.rollingUpdate)) spec.strategy.rollingUpdate = {};
    setIfUnset(spec.strategy.rollingUpdate, 'maxUnavailable', '25%');
    setIfUnset(spec.strategy.rollingUpdate, 'maxSurge', '25%');
  }
  setIfUnset(spec, 'revisionHistoryLimit', 10);
  setIfUnset(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(spec.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  if (!isObj(rs.spec)) return;
  setIfUnset(rs.spec, 'replicas', 1);
  defaultPodTemplateSpec(rs.spec.template);
}
