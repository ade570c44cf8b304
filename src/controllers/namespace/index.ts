/** The Namespace controller, as the controller manager knows it. */
import type { ControllerDescriptor } from '../types.js';
import { NamespaceController } from './controller.js';

export const controller: ControllerDescriptor = {
  name: 'namespace',
  create: (ctx) => new NamespaceController(ctx),
};
