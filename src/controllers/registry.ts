/** Every controller the manager runs, by name. */
import type { ControllerDescriptor } from './types.js';
import { controller as replicaSet } from './replicaset/index.js';
import { controller as deployment } from './deployment/index.js';
import { controller as endpoints } from './endpoints/index.js';
import { controller as endpointSlice } from './endpointslice/index.js';
import { controller as endpointSliceMirroring } from './endpointslicemirroring/index.js';
import { controller as garbageCollector } from './garbage-collector/index.js';
import { controller as namespace } from './namespace/index.js';
import { controller as nodeLifecycle } from './node-lifecycle/index.js';
import { controller as nodeIpam } from './node-ipam/index.js';
import { controller as persistentVolume } from './persistentvolume/index.js';
import { controller as pvcProtection } from './pvc-protection/index.js';
import { controller as pvProtection } from './pv-protection/index.js';

export const CONTROLLERS: readonly ControllerDescriptor[] = [
  replicaSet,
  deployment,
  endpoints,
  endpointSlice,
  endpointSliceMirroring,
  garbageCollector,
  namespace,
  nodeLifecycle,
  nodeIpam,
  persistentVolume,
  pvcProtection,
  pvProtection,
];
