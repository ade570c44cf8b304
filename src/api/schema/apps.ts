/** apps/v1 Deployment and ReplicaSet, and autoscaling/v1 Scale (their scale subresource). */

import { bool, int32, int64, intOrString, oneOf, pkg, ref, refs, req, str, time, type TypeDef } from './dsl.js';

const { type, kind } = pkg('apps.v1');
const autoscaling = pkg('autoscaling.v1');

const conditionFields = {
  lastTransitionTime: time('When status last changed.'),
  message: str('Human-readable detail.'),
  reason: str('CamelCase reason for the last transition.'),
  status: req(oneOf(['True', 'False', 'Unknown'], 'Whether the condition holds.')),
};

export const appsTypes: TypeDef[] = [
  kind('Deployment', 'Declarative updates for a replicated set of pods, rolled out through ReplicaSets.', {
    spec: ref('DeploymentSpec', 'Desired state of the deployment.'),
    status: ref('DeploymentStatus', 'Most recently observed state of the rollout.'),
  }),
  type('DeploymentSpec', 'Desired state of a deployment.', {
    minReadySeconds: int32('Seconds a new pod must be ready without crashing to count as available. Defaults to 0.'),
    paused: bool('Stop rolling out changes of the template until unpaused.'),
    progressDeadlineSeconds: int32(
      'Seconds without progress after which the rollout is reported as failed (ProgressDeadlineExceeded). Defaults to 600.',
    ),
    replicas: int32('Number of desired pods. Defaults to 1.'),
    revisionHistoryLimit: int32('Old ReplicaSets kept for rollback. Defaults to 10.'),
    selector: req(ref('meta.v1.LabelSelector', 'Pods the deployment manages; must match the template labels. Cannot be changed.')),
    strategy: ref('DeploymentStrategy', 'How old pods are replaced by new ones.'),
    template: req(ref('core.v1.PodTemplateSpec', 'Pods to create; every change starts a new rollout.')),
  }),
  type('DeploymentStrategy', 'How a deployment replaces old pods with new ones.', {
    rollingUpdate: ref('RollingUpdateDeployment', 'Limits of a rolling update; only with type RollingUpdate.'),
    type: oneOf(
      ['Recreate', 'RollingUpdate'],
      'Recreate removes all old pods first; RollingUpdate replaces them gradually. Defaults to RollingUpdate.',
    ),
  }),
  type('RollingUpdateDeployment', 'Limits that pace a rolling update.', {
    maxSurge: intOrString('Pods allowed above the desired count during the update, a number or a percentage. Defaults to 25%.'),
    maxUnavailable: intOrString(
      'Pods allowed to be unavailable during the update, a number or a percentage. Defaults to 25%.',
    ),
  }),
  type('DeploymentStatus', 'Observed state of a deployment.', {
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    collisionCount: int32('Template hash collisions, used to make ReplicaSet names unique.'),
    conditions: refs('DeploymentCondition', 'Conditions: Available, Progressing, ReplicaFailure.'),
    observedGeneration: int64('metadata.generation the controller last acted on.'),
    readyReplicas: int32('Pods with a Ready condition.'),
    replicas: int32('Pods of all ReplicaSets of the deployment that are not terminating.'),
    terminatingReplicas: int32('Pods being terminated.'),
    unavailableReplicas: int32('Pods still needed for the deployment to be fully available.'),
    updatedReplicas: int32('Pods created from the current template.'),
  }),
  type('DeploymentCondition', 'One condition of a deployment.', {
    ...conditionFields,
    lastUpdateTime: time('When the condition was last updated.'),
    type: req(str('Condition type: Available, Progressing or ReplicaFailure.')),
  }),

  kind('ReplicaSet', 'Keeps a number of identical pods running; normally managed by a Deployment.', {
    spec: ref('ReplicaSetSpec', 'Desired state of the replica set.'),
    status: ref('ReplicaSetStatus', 'Most recently observed state.'),
  }),
  type('ReplicaSetSpec', 'Desired state of a replica set.', {
    minReadySeconds: int32('Seconds a new pod must be ready without crashing to count as available. Defaults to 0.'),
    replicas: int32('Number of desired pods. Defaults to 1.'),
    selector: req(ref('meta.v1.LabelSelector', 'Pods counted as replicas; must match the template labels.')),
    template: ref('core.v1.PodTemplateSpec', 'Pods created when too few exist.'),
  }),
  type('ReplicaSetStatus', 'Observed state of a replica set.', {
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    conditions: refs('ReplicaSetCondition', 'Conditions, e.g. ReplicaFailure.'),
    fullyLabeledReplicas: int32('Pods whose labels match the template labels.'),
    observedGeneration: int64('metadata.generation the controller last acted on.'),
    readyReplicas: int32('Pods with a Ready condition.'),
    replicas: req(int32('Pods currently existing and not terminating.')),
    terminatingReplicas: int32('Pods being terminated.'),
  }),
  type('ReplicaSetCondition', 'One condition of a replica set.', {
    ...conditionFields,
    type: req(str('Condition type, e.g. ReplicaFailure.')),
  }),

  autoscaling.kind('Scale', 'The replica count of a scalable resource, read and written through its scale subresource.', {
    spec: ref('ScaleSpec', 'Desired replica count.'),
    status: ref('ScaleStatus', 'Observed replica count.'),
  }),
  autoscaling.type('ScaleSpec', 'Desired scale of a resource.', {
    replicas: int32('Desired number of replicas.'),
  }),
  autoscaling.type('ScaleStatus', 'Observed scale of a resource.', {
    replicas: req(int32('Observed number of replicas.')),
    selector: str('Label selector of the pods, in query string form, e.g. "app=web".'),
  }),
];
