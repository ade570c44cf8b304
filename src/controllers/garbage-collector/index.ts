/** The garbage collector, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { GarbageCollector } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'garbage-collector',
  create: (ctx) => new GarbageCollector(ctx),
};
