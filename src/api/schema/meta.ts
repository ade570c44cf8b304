/** meta/v1: the object metadata, selectors and API envelopes every group shares. */

import {
  bool,
  free,
  int32,
  int64,
  oneOf,
  pkg,
  ref,
  refs,
  req,
  str,
  strMap,
  strs,
  time,
  type GVK,
  type TypeDef,
} from './dsl.js';

const { type } = pkg('meta.v1');
const withKind = (t: TypeDef, gvk: GVK): TypeDef => ({ ...t, gvk });

export const metaTypes: TypeDef[] = [
  type('ObjectMeta', 'Metadata every stored object carries: identity, labels, annotations, ownership and lifecycle.', {
    annotations: strMap('Arbitrary non-identifying key/value data for tools and controllers; not usable in selectors.'),
    creationTimestamp: time('When the server created the object (RFC 3339, UTC). Set by the server; read-only.'),
    deletionGracePeriodSeconds: int64('Seconds the object is given to terminate once deletion was requested. Read-only.'),
    deletionTimestamp: time('When deletion was requested; the object disappears once its finalizers are cleared. Read-only.'),
    finalizers: strs('Keys that must all be removed before the object is deleted from storage.'),
    generateName: str('Prefix from which the server generates a unique name when name is empty.'),
    generation: int64('Sequence number of the desired state; increases when spec changes. Read-only.'),
    labels: strMap('Identifying key/value pairs used by selectors to group and find objects.'),
    managedFields: refs('ManagedFieldsEntry', 'Which field manager set which fields; maintained by the server.'),
    name: str('Name unique within the namespace (or cluster, for cluster-scoped kinds). Cannot be changed.'),
    namespace: str('Namespace the object lives in; empty for cluster-scoped kinds. Cannot be changed.'),
    ownerReferences: refs('OwnerReference', 'Objects this one depends on; when all owners are gone it is garbage collected.'),
    resourceVersion: str('Opaque version of the object, changed on every write; used for optimistic concurrency and watches.'),
    selfLink: str('Deprecated; not set by the server.'),
    uid: str('Unique id the server assigns at creation; never reused. Read-only.'),
  }),
  type('ListMeta', 'Metadata of a list response.', {
    continue: str('Token for fetching the next page of a chunked list; empty on the last page.'),
    remainingItemCount: int64('Approximate number of items after this page, when known.'),
    resourceVersion: str('Version of the collection at the time of the list; start a watch from here.'),
    selfLink: str('Deprecated; not set by the server.'),
  }),
  type('ManagedFieldsEntry', 'One field manager and the set of fields it owns.', {
    apiVersion: str('API version the field set is expressed in.'),
    fieldsType: str('Format of fieldsV1; only "FieldsV1" is defined.'),
    fieldsV1: free('The owned fields as a nested set of field keys.'),
    manager: str('Name of the field manager, e.g. "kubectl".'),
    operation: oneOf(['Apply', 'Update'], 'Kind of write that produced this entry.'),
    subresource: str('Subresource the write went through, e.g. "status"; empty for the main resource.'),
    time: time('When this manager last changed its fields.'),
  }),
  type('OwnerReference', 'Points at an owning object in the same namespace (or a cluster-scoped owner).', {
    apiVersion: req(str('API version of the owner.')),
    blockOwnerDeletion: bool('With foreground deletion, the owner is not removed until this dependent is gone.'),
    controller: bool('True for the one owner that manages this object.'),
    kind: req(str('Kind of the owner.')),
    name: req(str('Name of the owner.')),
    uid: req(str('UID of the owner; a reference with a stale uid does not count.')),
  }),
  type('LabelSelector', 'Selects objects by labels; all terms must match. An empty selector matches everything.', {
    matchExpressions: refs('LabelSelectorRequirement', 'Set-based requirements, ANDed together.'),
    matchLabels: strMap('Exact key=value matches, ANDed together.'),
  }),
  type('LabelSelectorRequirement', 'One set-based label requirement.', {
    key: req(str('Label key the requirement applies to.')),
    operator: req(oneOf(['In', 'NotIn', 'Exists', 'DoesNotExist'], 'How the key relates to the values.')),
    values: strs('Values for In and NotIn; must be empty for Exists and DoesNotExist.'),
  }),
  type('Condition', 'One observation of an aspect of an object\'s state.', {
    lastTransitionTime: req(time('When status last changed.')),
    message: req(str('Human-readable detail about the transition.')),
    observedGeneration: int64('metadata.generation the condition was computed from.'),
    reason: req(str('Machine-readable CamelCase reason for the last transition.')),
    status: req(oneOf(['True', 'False', 'Unknown'], 'Whether the condition holds.')),
    type: req(str('Condition type in CamelCase.')),
  }),
  // Status is served as apiVersion v1 by every group, so it is a core kind on the wire.
  withKind(type('Status', 'Result of a request that did not return an object, most often an error.', {
    apiVersion: str('Schema version; "v1".'),
    code: int32('HTTP status code of the response.'),
    details: ref('StatusDetails', 'Extra data about the failure, such as the object and the invalid fields.'),
    kind: str('"Status".'),
    message: str('Human-readable description of the result.'),
    metadata: ref('ListMeta', 'Standard list metadata; usually empty.'),
    reason: str('Machine-readable CamelCase reason, e.g. NotFound or Invalid.'),
    status: oneOf(['Success', 'Failure'], 'Outcome of the request.'),
  }), { group: '', version: 'v1', kind: 'Status' }),
  type('StatusDetails', 'Identifies the object a Status is about and the causes of the failure.', {
    causes: refs('StatusCause', 'Individual problems, e.g. one per invalid field.'),
    group: str('API group of the object.'),
    kind: str('Kind (or resource) of the object.'),
    name: str('Name of the object.'),
    retryAfterSeconds: int32('Seconds the client should wait before retrying.'),
    uid: str('UID of the object.'),
  }),
  type('StatusCause', 'One reason a request failed.', {
    field: str('Path of the field at fault, e.g. "spec.containers[0].image".'),
    message: str('Human-readable description of this cause.'),
    reason: str('Machine-readable cause, e.g. FieldValueRequired.'),
  }),
  type('DeleteOptions', 'Options for a delete request, sent as the request body.', {
    apiVersion: str('Schema version of this object.'),
    dryRun: strs('"All" to run every step except persisting the deletion.'),
    gracePeriodSeconds: int64('Seconds to wait before deleting; 0 deletes immediately.'),
    ignoreStoreReadErrorWithClusterBreakingPotential: bool(
      'Deletes an object that cannot be read from storage; dangerous, for recovery only.',
    ),
    kind: str('"DeleteOptions".'),
    orphanDependents: bool('Deprecated: use propagationPolicy=Orphan.'),
    preconditions: ref('Preconditions', 'Conditions that must hold or the delete fails with a conflict.'),
    propagationPolicy: oneOf(['Orphan', 'Background', 'Foreground'], 'How dependents are garbage collected.'),
  }),
  type('Preconditions', 'Conditions checked before a delete goes ahead.', {
    resourceVersion: str('The object must still have this resourceVersion.'),
    uid: str('The object must still have this UID.'),
  }),
  type('WatchEvent', 'One event of a watch stream.', {
    object: req(free('The object as of this event; a Status for ERROR events.')),
    type: req(oneOf(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'], 'What happened.')),
  }),
];
