/** What request handlers share: the registries and the pieces of the server they use. */
import type { Logger } from 'pino';
import type { ResourceInfo } from '../../api/resources.js';
import type { Registry } from '../registry/registry.js';

export interface HandlerContext {
  registries: Map<ResourceInfo, Registry>;
  log: Logger;
  /** Returns unknown-field paths of an object of this resource (fieldValidation). */
  unknownFields(info: ResourceInfo, obj: any): string[];
}
