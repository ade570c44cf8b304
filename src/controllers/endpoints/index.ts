/** The Endpoints controller, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { EndpointsController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'endpoints',
  create: (ctx) => new EndpointsController(ctx),
};
