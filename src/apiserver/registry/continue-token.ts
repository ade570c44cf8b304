/**
 * Continue tokens for paged lists: the revision the first page was read at and the last
 * key returned. Opaque base64 JSON, as Kubernetes does; a malformed token is a 400.
 */
import { errors } from '../../machinery/errors.js';

export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'orch/1', rv: t.rv, start: t.start })).toString('base64url');
}

export function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (t?.v !== 'orch/1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error();
    return { rv: t.rv, start: t.start };
  } catch {
    throw errors.badRequest('continue key is not valid: invalid continue token');
  }
}
