/** Non-resource URLs: discovery, version, OpenAPI and health checks. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../machinery/errors.js';
import { discoveryResponse } from '../discovery.js';
import { openapiV3Response } from '../openapi/v3.js';
import { openapiV2Document } from '../openapi/v2.js';
import { openapiV2Protobuf, wantsV2Protobuf, OPENAPI_V2_PROTOBUF } from '../openapi/v2-protobuf.js';
import { sendText } from '../http/respond.js';

export interface HealthSource {
  ready(): boolean;
}

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export function handleNonResource(req: IncomingMessage, res: ServerResponse, url: URL, health: HealthSource): void {
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(`${req.method} is not supported on ${path}`);
  const base = path.replace(/\/+$/, '') || '/';
  if (HEALTH_PATHS.has(base) || /^\/(healthz|livez|readyz)\/[a-z-]+$/.test(base)) {
    const ok = health.ready();
    if (url.searchParams.has('verbose')) {
      const check = ok ? '[+]' : '[-]';
      sendText(res, ok ? 200 : 500, `${check}ping ok\n${check}etcd ok\n${check}poststarthook/start-watch-cache ok\n${base.slice(1)} check ${ok ? 'passed' : 'failed'}\n`, 'text/plain; charset=utf-8');
    } else sendText(res, ok ? 200 : 500, ok ? 'ok' : 'not ready', 'text/plain; charset=utf-8');
    return;
  }
  if (base === '/openapi/v2') {
    if (wantsV2Protobuf(req.headers.accept)) {
      const body = openapiV2Protobuf();
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': body.length });
      res.end(body);
    } else sendText(res, 200, openapiV2Document().body, 'application/json');
    return;
  }
  if (base.startsWith('/openapi/v3')) {
    const r = openapiV3Response(base, url.searchParams.get('hash'));
    if (!r) throw errors.noRoute(path);
    res.writeHead(r.status, { ...r.headers, 'Content-Length': Buffer.byteLength(r.body) });
    res.end(r.body);
    return;
  }
  const host = req.headers.host ?? '';
  const d = discoveryResponse(base, req.headers.accept, host);
  if (d) {
    sendText(res, 200, d.body, d.contentType);
    return;
  }
  if (base === '/') {
    sendText(res, 200, JSON.stringify({ paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] }), 'application/json');
    return;
  }
  throw errors.noRoute(path);
}
