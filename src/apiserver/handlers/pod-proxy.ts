/**
 * `pods/log`, `pods/exec`, `pods/attach` and `pods/portforward`: checked against the pod
 * here, then served by the node agent's streaming server (the kubelet's port), which the
 * API server reaches at the Node's InternalIP and `status.daemonEndpoints.kubeletEndpoint`.
 *
 * Logs are proxied as a streamed `text/plain` body. Upgrades (WebSocket, or SPDY for
 * kubectl's fallback) are tunnelled as raw bytes after the node's answer, as the
 * kube-apiserver's upgrade-aware proxy does: the node negotiates the subprotocol, so the
 * API server never parses frames.
 *
 * Trust: the node's certificate is self-signed; it is pinned by the SHA-256 fingerprint
 * the agent publishes in the Node annotation below (only authenticated clients can write
 * Nodes). A node without the annotation is trusted only on a loopback address. The API
 * server authenticates itself to the node with its own bearer token.
 */
import http from 'node:http';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { findResource } from '../../api/resources.js';
import { errors, ApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceRequest } from '../http/request-info.js';

/** Kept equal to STREAMING_CERT_ANNOTATION in src/agent/streaming/tls.ts (no shared import across layers). */
export const STREAMING_CERT_ANNOTATION = 'orch.dev/streaming-cert-sha256';
export const POD_STREAM_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward']);
const DEFAULT_KUBELET_PORT = 10250;
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export interface PodProxyOptions {
  registries: Map<ResourceInfo, Registry>;
  /** The bearer token the API server presents to nodes. */
  token: () => string;
  log: Logger;
}

/** True for the requests this module serves. */
export const isPodStream = (ri: ResourceRequest): boolean => ri.info.plural === 'pods' && ri.info.group === '' && POD_STREAM_SUBRESOURCES.has(ri.subresource ?? '');

export class PodProxy {
  constructor(private readonly opts: PodProxyOptions) {}

  private reg(plural: string): Registry {
    return this.opts.registries.get(findResource('', 'v1', plural)!)!;
  }

  /** Non-upgrade requests: `GET pods/x/log`; exec and friends without an upgrade get 400. */
  async serve(req: IncomingMessage, res: ServerResponse, ri: ResourceRequest, query: URLSearchParams): Promise<void> {
    if (ri.subresource !== 'log') throw errors.badRequest('Upgrade request required');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(`${req.method} is not supported on pods/log`);
    const pod = this.reg('pods').get(ri.namespace, ri.name!).obj;
    const container = pickContainer(pod, query.get('container'));
    checkLogState(pod, container, query.get('previous') === 'true');
    const node = this.nodeOf(pod);
    const q = new URLSearchParams();
    for (const k of ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes']) {
      const v = query.get(k);
      if (v !== null) q.set(k, v);
    }
    const path = `/containerLogs/${enc(pod.metadata.namespace)}/${enc(pod.metadata.name)}/${enc(container)}${q.size ? `?${q}` : ''}`;
    const socket = await connectNode(node);
    const upstream = http.request({
      method: req.method,
      path,
      createConnection: () => socket,
      headers: { Host: `${node.host}:${node.port}`, Authorization: `Bearer ${this.opts.token()}`, Accept: 'text/plain, application/json' },
    });
    const onGone = () => upstream.destroy();
    res.once('close', onGone);
    await new Promise<void>((resolve, reject) => {
      upstream.once('error', (err) => reject(res.headersSent ? err : errors.unavailable(`error talking to node ${node.name}: ${err.message}`)));
      upstream.once('response', (ur) => {
        const headers: Record<string, string> = { 'Content-Type': String(ur.headers['content-type'] ?? 'text/plain'), 'Cache-Control': 'no-cache, private' };
        if (ur.headers['content-length']) headers['Content-Length'] = String(ur.headers['content-length']);
        res.writeHead(ur.statusCode ?? 502, headers);
        res.flushHeaders();
        ur.pipe(res);
        ur.once('end', () => resolve());
        ur.once('error', reject);
        ur.once('aborted', () => {
          res.destroy();
          resolve();
        });
      });
      upstream.end();
    }).finally(() => res.off('close', onGone));
  }

  /** Upgrade requests (WebSocket or SPDY) for exec, attach and portforward. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ri: ResourceRequest, query: URLSearchParams): Promise<void> {
    if (ri.subresource === 'log') throw errors.badRequest('pods/log is not served over an upgraded connection');
    const pod = this.reg('pods').get(ri.namespace, ri.name!).obj;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot ${ri.subresource} into a container in a completed pod; current phase is ${phase}`);
    const node = this.nodeOf(pod);
    const ns = enc(pod.metadata.namespace);
    const name = enc(pod.metadata.name);
    let path: string;
    if (ri.subresource === 'portforward') {
      const q = new URLSearchParams();
      // The kubelet's URL names ports `port`; client-node sends `ports`.
      for (const p of [...query.getAll('ports'), ...query.getAll('port')].flatMap((x) => x.split(','))) if (p) q.append('port', p);
      path = `/portForward/${ns}/${name}${q.size ? `?${q}` : ''}`;
    } else {
      const container = pickContainer(pod, query.get('container'));
      if (!runningContainer(pod, container)) throw errors.badRequest(`container ${container} is not valid for pod ${pod.metadata.name}: it is not running`);
      const q = new URLSearchParams(query);
      q.delete('container');
      path = `/${ri.subresource}/${ns}/${name}/${enc(container)}?${q}`;
    }
    const upstream = await connectNode(node);
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    const skip = new Set(['host', 'authorization']);
    const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${node.host}:${node.port}`, `Authorization: Bearer ${this.opts.token()}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (!skip.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    // From here on both sides speak whatever the node answered (101 and frames, or an error).
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.once('close', end);
    upstream.once('close', end);
    socket.on('error', end);
    upstream.on('error', end);
  }

  private nodeOf(pod: any): NodeTarget {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    let node: any;
    try {
      node = this.reg('nodes').get(undefined, nodeName).obj;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) throw errors.unavailable(`node "${nodeName}" of pod ${pod.metadata.name} is not registered`);
      throw err;
    }
    const addrs: { type: string; address: string }[] = node.status?.addresses ?? [];
    const host = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'ExternalIP')?.address;
    if (!host) throw errors.unavailable(`node "${nodeName}" has no InternalIP address`);
    const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port) || DEFAULT_KUBELET_PORT;
    return { name: nodeName, host, port, fingerprint: node.metadata?.annotations?.[STREAMING_CERT_ANNOTATION] };
  }
}

interface NodeTarget {
  name: string;
  host: string;
  port: number;
  fingerprint?: string;
}

const enc = encodeURIComponent;
const isLoopback = (host: string): boolean => /^127\./.test(host) || host === '::1' || host === 'localhost';

/** Opens TLS to the node and checks its certificate against the pinned fingerprint. */
function connectNode(node: NodeTarget): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // Verification is the pin below, not a CA: nodes sign their own certificates.
    const s = tls.connect({ host: node.host, port: node.port, rejectUnauthorized: false });
    const fail = (err: Error) => reject(errors.unavailable(`error dialing node ${node.name} (${node.host}:${node.port}): ${err.message}`));
    s.once('error', fail);
    s.setTimeout(15_000, () => s.destroy(new Error('timed out')));
    s.once('secureConnect', () => {
      s.setTimeout(0);
      s.off('error', fail);
      const fp = s.getPeerCertificate().fingerprint256;
      const ok = node.fingerprint ? normalizeFp(node.fingerprint) === normalizeFp(fp) : isLoopback(node.host);
      if (!ok) {
        s.destroy();
        reject(
          errors.unavailable(
            node.fingerprint
              ? `the certificate of node ${node.name} does not match its ${STREAMING_CERT_ANNOTATION} annotation`
              : `node ${node.name} does not publish its streaming certificate (annotation ${STREAMING_CERT_ANNOTATION})`,
          ),
        );
        return;
      }
      resolve(s);
    });
  });
}

const normalizeFp = (f: string): string => f.replace(/:/g, '').toUpperCase();

function allContainerNames(pod: any): string[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c: any) => c.name);
}

/** The container a request names, or the pod's default one, as kube-apiserver picks it. */
export function pickContainer(pod: any, requested: string | null): string {
  const names = allContainerNames(pod);
  if (requested) {
    if (!names.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${pod.metadata.name}`);
    return requested;
  }
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && names.includes(annotated)) return annotated;
  const main: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
  if (main.length === 1) return main[0];
  throw errors.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${main.join(' ')}]`);
}

function statusOf(pod: any, container: string): any {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  return all.find((s: any) => s.name === container);
}

function runningContainer(pod: any, container: string): boolean {
  return Boolean(statusOf(pod, container)?.state?.running);
}

/** The kubelet's checks before reading logs (validateContainerLogStatus), done with the pod's status. */
export function checkLogState(pod: any, container: string, previous: boolean): void {
  const name = pod.metadata.name;
  const st = statusOf(pod, container);
  const lastTerminated = st?.lastState?.terminated;
  if (previous) {
    if (!lastTerminated) throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return;
  }
  const waiting = !st || (!st.state?.running && !st.state?.terminated);
  if (waiting && !lastTerminated) {
    const reason = st?.state?.waiting?.reason || 'ContainerCreating';
    throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
}
