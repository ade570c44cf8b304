/** The claim protection controller, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { PvcProtectionController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'pvc-protection',
  create: (ctx) => new PvcProtectionController(ctx),
};
