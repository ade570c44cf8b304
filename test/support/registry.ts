/**
 * A read-only OCI distribution registry on 127.0.0.1 over plain HTTP, serving locally built
 * images (src/agent/images) by repository and tag: enough for containerd to resolve and
 * pull them, directly or as a mirror (then it asks `/v2/<repo>/...?ns=<registry>`). Tests
 * use it to stand in for Docker Hub, which they must not reach.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MEDIA_TYPE, type BuiltImage } from '../../src/agent/images/oci-layout.js';

export interface RegistryImage {
  /** Repository path as clients ask for it, e.g. `library/nginx` or `orch/pulled`. */
  repo: string;
  tag: string;
  image: BuiltImage;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry host as containerd names it. */
  host: string;
  port: number;
  /** Every request seen, as `METHOD path` (query included): tests can check the mirror was used. */
  requests: string[];
  close(): Promise<void>;
}

export async function startTestRegistry(images: RegistryImage[]): Promise<TestRegistry> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method} ${url}`);
    const send = (status: number, body?: Buffer, type?: string, digest?: string) => {
      res.writeHead(status, { 'content-length': body?.length ?? 0, ...(type ? { 'content-type': type } : {}), ...(digest ? { 'docker-content-digest': digest } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405);
    const pathname = url.split('?')[0];
    if (pathname === '/v2/' || pathname === '/v2') return send(200, Buffer.from('{}'), 'application/json');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(pathname);
    if (!m) return send(404);
    const [, repo, kind, ref] = m;
    for (const entry of images) {
      if (entry.repo !== repo) continue;
      const digest = ref === entry.tag ? entry.image.manifestDigest : ref;
      const blob = entry.image.blobs.get(digest);
      if (!blob) continue;
      if (kind === 'manifests') {
        if (digest !== entry.image.manifestDigest) continue;
        return send(200, blob, MEDIA_TYPE.manifest, digest);
      }
      return send(200, blob, 'application/octet-stream', digest);
    }
    send(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A registries.yaml (k3s format) sending pulls of `registry` to this one over plain HTTP. */
export function mirrorRegistriesYaml(registry: string, mirror: TestRegistry): string {
  return [
    'mirrors:',
    `  ${JSON.stringify(registry)}:`,
    '    endpoint:',
    `      - "http://${mirror.host}"`,
    'configs:',
    `  ${JSON.stringify(mirror.host)}:`,
    '    tls:',
    '      insecure_skip_verify: true',
    '',
  ].join('\n');
}
