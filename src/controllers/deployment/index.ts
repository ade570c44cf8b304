/** The Deployment controller, as the controller manager registers it. */
import type { ControllerDescriptor } from '../types.js';
import { DeploymentController } from './controller.js';

export { DeploymentController, type DeploymentControllerOptions } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'deployment',
  create: (ctx) => new DeploymentController(ctx),
};
