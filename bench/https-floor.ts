/**
 * The HTTPS floor: a bare node:https server with the API server's certificate that parses
 * each POSTed body and replies 201 with it re-serialised, with no storage, registry or
 * watch cache. It is the most any Node HTTPS API could do at a given concurrency on this
 * machine with this client, so the gap between it and orch is orch's own work.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface HttpsFloor {
  url: string;
  close(): Promise<void>;
}

export async function startHttpsFloor(certPem: string, keyPem: string): Promise<HttpsFloor> {
  let rv = 0;
  const server = https.createServer({ cert: certPem, key: keyPem, keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      obj.metadata.resourceVersion = String(++rv);
      const body = Buffer.from(JSON.stringify(obj));
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
