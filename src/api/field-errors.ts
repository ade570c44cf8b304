/**
 * Field errors: one problem at one field path. Validators in src/api return lists of
 * these; the API server turns them into one 422 Invalid Status (src/machinery/errors.ts).
 */

export type CauseType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldManagerConflict'
  | 'UnexpectedServerResponse';

/** One problem at one field path, e.g. spec.replicas: Invalid value: -1: must be >= 0. */
export interface FieldError {
  type: CauseType;
  field: string;
  /** The offending value (omitted from messages for Required/Forbidden). */
  value?: unknown;
  detail?: string;
}

function fmtValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Renders a FieldError the way Kubernetes does: `field: Invalid value: "x": detail`. */
export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueRequired':
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueForbidden':
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueDuplicate':
      return `${e.field}: Duplicate value: ${fmtValue(e.value)}`;
    case 'FieldValueNotSupported':
      return `${e.field}: Unsupported value: ${fmtValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueTooLong':
      return `${e.field}: Too long: ${e.detail ?? ''}`;
    case 'FieldValueTooMany':
      return `${e.field}: Too many: ${e.detail ?? ''}`;
    case 'FieldValueTypeInvalid':
      return `${e.field}: Invalid value: ${fmtValue(e.value)}: ${e.detail ?? 'wrong type'}`;
    default:
      return `${e.field}: Invalid value: ${fmtValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

/** Helpers for building field errors in validators. */
export const fe = {
  required: (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    value,
    detail,
  }),
  notSupported: (field: string, value: unknown, valid: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    value,
    detail: `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail }),
  tooLong: (field: string, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field,
    detail: `may not be more than ${max} bytes`,
  }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueTypeInvalid',
    field,
    value,
    detail,
  }),
  immutable: (field: string, value: unknown): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    value,
    detail: 'field is immutable',
  }),
};

