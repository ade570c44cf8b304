/** The volume protection controller, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { PvProtectionController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'pv-protection',
  create: (ctx) => new PvProtectionController(ctx),
};
