/**
 * HTTPS transport to the API server: keep-alive connections, JSON bodies, and every
 * non-2xx answer turned back into the ApiError the server meant (its Status).
 */
import https from 'node:https';
import { ApiError, type StatusReason } from '../machinery/errors.js';
import type { ClientConfig } from './config.js';

export interface RawResponse {
  status: number;
  body: string;
}

export class Transport {
  private readonly agent: https.Agent;
  private readonly base: URL;
  private readonly headers: Record<string, string>;

  constructor(readonly config: ClientConfig) {
    this.base = new URL(config.server);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: config.ca || undefined, rejectUnauthorized: !config.insecureSkipTlsVerify });
    this.headers = { Accept: 'application/json', 'User-Agent': config.userAgent ?? 'orch' };
    if (config.token) this.headers.Authorization = `Bearer ${config.token}`;
  }

  /** Sends a request and returns the parsed JSON body; throws ApiError for error statuses. */
  async request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await this.raw(method, path, payload, contentType);
    if (res.status >= 400) throw toApiError(res, method, path);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  raw(method: string, path: string, payload?: string, contentType = 'application/json', signal?: AbortSignal): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.headers };
      if (payload !== undefined) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = Buffer.byteLength(payload);
      }
      const req = https.request(
        { host: this.base.hostname, port: this.base.port || 443, path, method, headers, agent: this.agent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', (err) => reject(connectionError(err, this.config.server)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * Opens a streaming GET (watch) and calls onLine for every complete line. Resolves when
   * the server closes the stream; rejects on connection errors or an error status.
   */
  stream(path: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.base.hostname, port: this.base.port || 443, path, method: 'GET', headers: this.headers, agent: this.agent, signal },
        (res) => {
          if ((res.statusCode ?? 0) >= 400) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(toApiError({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }, 'GET', path)));
            return;
          }
          res.setEncoding('utf8');
          let buf = '';
          res.on('data', (chunk: string) => {
            buf += chunk;
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (line) onLine(line);
            }
          });
          res.on('end', () => resolve());
          res.on('error', (e) => (signal?.aborted ? resolve() : reject(e)));
          res.on('close', () => resolve());
        },
      );
      req.on('error', (err) => (signal?.aborted ? resolve() : reject(connectionError(err, this.config.server))));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function toApiError(res: RawResponse, method: string, path: string): ApiError {
  try {
    const s = JSON.parse(res.body);
    if (s?.kind === 'Status') return new ApiError(s.code ?? res.status, (s.reason ?? 'InternalError') as StatusReason, s.message ?? '', s.details);
  } catch {
    // not a Status: fall through
  }
  return new ApiError(res.status, 'InternalError', `${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
}

function connectionError(err: Error, server: string): Error {
  if (err.name === 'AbortError') return err;
  return new ApiError(503, 'ServiceUnavailable', `cannot reach the API server at ${server}: ${err.message}`);
}
