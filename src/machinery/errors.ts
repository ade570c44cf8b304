/**
 * The API error catalogue. Every failure the API server reports is an ApiError carrying
 * a v1 Status; one HTTP path writes them. Validation collects FieldErrors and reports
 * them together as one 422 Invalid.
 */

import { fieldErrorMessage, type FieldError } from '../api/field-errors.js';

export { fe, fieldErrorMessage, type FieldError, type CauseType } from '../api/field-errors.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** What a resource is called in messages: `deployments.apps "web"`. */
export interface ResourceRef {
  /** Qualified resource, e.g. 'deployments.apps' or 'pods'. */
  resource: string;
  group: string;
  kind: string;
  name?: string;
}

export const errors = {
  badRequest: (message: string, causes?: StatusCause[]) =>
    new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  notFound: (ref: ResourceRef) =>
    new ApiError(404, 'NotFound', `${ref.resource} "${ref.name ?? ''}" not found`, {
      name: ref.name,
      group: ref.group,
      kind: ref.resource.split('.')[0],
    }),
  /** For URLs that name no known resource. */
  noRoute: (path: string) =>
    new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`, {}),
  alreadyExists: (ref: ResourceRef) =>
    new ApiError(409, 'AlreadyExists', `${ref.resource} "${ref.name ?? ''}" already exists`, {
      name: ref.name,
      group: ref.group,
      kind: ref.resource.split('.')[0],
    }),
  conflict: (ref: ResourceRef, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${ref.resource} "${ref.name ?? ''}": ${why}`, {
      name: ref.name,
      group: ref.group,
      kind: ref.resource.split('.')[0],
    }),
  /** Server-side apply would change fields other managers own (one cause per field). */
  applyConflict: (message: string, causes: StatusCause[]) => new ApiError(409, 'Conflict', message, { causes }),
  invalid: (ref: ResourceRef, fieldErrors: FieldError[]) => {
    const msgs = fieldErrors.map(fieldErrorMessage);
    const summary = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
    return new ApiError(422, 'Invalid', `${ref.kind} "${ref.name ?? ''}" is invalid: ${summary}`, {
      name: ref.name,
      group: ref.group,
      kind: ref.kind,
      causes: fieldErrors.map((e) => ({
        reason: e.type,
        message: fieldErrorMessage(e).slice(e.field.length + 2),
        field: e.field,
      })),
    });
  },
  expired: (message: string) => new ApiError(410, 'Expired', message),
  gone: (message: string) => new ApiError(410, 'Gone', message),
  methodNotAllowed: (message: string) => new ApiError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  tooLarge: (message: string) => new ApiError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got ${JSON.stringify(contentType)}`),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new ApiError(503, 'ServiceUnavailable', message),
  timeout: (message: string) => new ApiError(504, 'Timeout', message),
};

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
