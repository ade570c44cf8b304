/** storage.k8s.io/v1 StorageClass. */

import { bool, oneOf, pkg, refs, req, str, strMap, strs, type TypeDef } from './dsl.js';

const { kind } = pkg('storage.v1');

export const storageClassTypes: TypeDef[] = [
  kind('StorageClass', 'A class of storage from which volumes are provisioned on demand for claims.', {
    allowVolumeExpansion: bool('Whether claims of this class may grow.'),
    allowedTopologies: refs('core.v1.TopologySelectorTerm', 'Topology domains volumes may be provisioned in; any when empty.'),
    mountOptions: strs('Mount options given to provisioned volumes, e.g. ["ro"].'),
    parameters: strMap('Provisioner-specific parameters.'),
    provisioner: req(str('Name of the provisioner, e.g. orch.io/local-path. Cannot be changed.')),
    reclaimPolicy: oneOf(['Delete', 'Retain'], 'Reclaim policy of provisioned volumes. Defaults to Delete.'),
    volumeBindingMode: oneOf(
      ['Immediate', 'WaitForFirstConsumer'],
      'When claims are bound: at once, or when a pod using them is scheduled. Defaults to Immediate.',
    ),
  }),
];
