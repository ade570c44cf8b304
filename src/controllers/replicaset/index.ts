/** The ReplicaSet controller, as the controller manager registers it. */
import type { ControllerDescriptor } from '../types.js';
import { ReplicaSetController } from './controller.js';

export { ReplicaSetController, type ReplicaSetControllerOptions } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'replicaset',
  create: (ctx) => new ReplicaSetController(ctx),
};
