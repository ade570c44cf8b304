/** Server-side apply's field ownership (metadata.managedFields). */
export { applyWithOwnership, ownershipOfCreated, type ApplyRequest } from './apply.js';
export { trackUpdate, type UpdateRequest } from './track-update.js';
export type { FieldScope } from './object-fields.js';
