/** Writing responses: JSON bodies, and every error as a v1 Status (the one error path). */
import type { ServerResponse } from 'node:http';
import { ApiError, errors } from '../../machinery/errors.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, headers?: Record<string, string>): void {
  sendText(res, code, typeof body === 'string' ? body : JSON.stringify(body), 'application/json', headers);
}

export function sendText(res: ServerResponse, code: number, text: string, contentType: string, headers?: Record<string, string | string[]>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const buf = Buffer.from(text);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': buf.length, 'Cache-Control': 'no-cache, private', ...headers });
  res.end(buf);
}

/** Maps any thrown value to a Status response; unexpected errors become 500 and are logged. */
export function sendError(res: ServerResponse, err: unknown, log?: (err: unknown) => void): void {
  let apiErr: ApiError;
  if (err instanceof ApiError) apiErr = err;
  else {
    log?.(err);
    apiErr = errors.internal(err instanceof Error ? err.message : String(err));
  }
  const headers: Record<string, string> = {};
  if (apiErr.code === 413) headers.Connection = 'close';
  if (apiErr.details?.retryAfterSeconds) headers['Retry-After'] = String(apiErr.details.retryAfterSeconds);
  sendJson(res, apiErr.code, apiErr.toStatus(), headers);
}
