/** Every controller the manager runs, by name. */
import type { ControllerDescriptor } from './types.js';
import { controller as replicaSet } from './replicaset/index.js';
import { controller as deployment } from './deployment/index.js';
import { controller as endpoints } from './endpoints/index.js';
import { controller as endpointSlice } from './endpointslice/index.js';
import { controller as garbageCollector } from './garbage-collector/index.js';
import { controller as namespace } from './namespace/index.js';
import { controller as nodeLifecycle } from './node-lifecycle/index.js';
import { controller as nodeIpam } from './node-ipam/index.js';

export const CONTROLLERS: readonly ControllerDescriptor[] = [
  replicaSet,
  deployment,
  endpoints,
  endpointSlice,
  garbageCollector,
  namespace,
  nodeLifecycle,
  nodeIpam,
];
