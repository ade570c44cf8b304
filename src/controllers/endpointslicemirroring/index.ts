/** The EndpointSlice mirroring controller, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { EndpointSliceMirroringController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'endpointslicemirroring',
  create: (ctx) => new EndpointSliceMirroringController(ctx),
};
