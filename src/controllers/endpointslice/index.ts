/** The EndpointSlice controller, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { EndpointSliceController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'endpointslice',
  create: (ctx) => new EndpointSliceController(ctx),
};
