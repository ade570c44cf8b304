/** The PersistentVolume binder, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { PersistentVolumeController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'persistentvolume-binder',
  create: (ctx) => new PersistentVolumeController(ctx),
};
