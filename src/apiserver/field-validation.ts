/** fieldValidation support: unknown fields of an object, found with orch's own schema. */
import type { ResourceInfo } from '../api/resources.js';
import { kindSchema } from '../api/schema/index.js';
import { findUnknownFields } from '../api/schema/unknown-fields.js';

export function unknownFieldsOf(info: ResourceInfo, obj: unknown): string[] {
  const schema = kindSchema(info.group, info.version, info.kind);
  return schema ? findUnknownFields(schema, obj) : [];
}
