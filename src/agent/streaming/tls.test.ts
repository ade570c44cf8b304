import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { selfSignedStreamingCert } from './tls.js';

test('the streaming certificate parses, is self-signed by its key, and names the node', async () => {
  const c = await selfSignedStreamingCert('node-a', ['127.0.0.1', '10.1.2.3']);
  const x = new X509Certificate(c.certPem);
  assert.match(x.subject, /^CN=node-a@\d+$/);
  assert.equal(x.issuer, x.subject);
  assert.equal(x.subjectAltName, 'DNS:node-a, IP Address:127.0.0.1, IP Address:10.1.2.3');
  assert.equal(x.ca, false);
  assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.ok(x.verify(x.publicKey), 'signature');
  assert.ok(x.checkPrivateKey(createPrivateKey(c.keyPem)), 'key pair');
  assert.equal(c.fingerprint256, x.fingerprint256);
  assert.ok(Date.parse(x.validFrom) < Date.now() && Date.parse(x.validTo) > Date.now() + 300 * 24 * 3600_000);
});

test('a TLS server serves it: a client pinning the fingerprint, or trusting it for its IP name, connects', async () => {
  const c = await selfSignedStreamingCert('node-b', ['127.0.0.1']);
  const server = tls.createServer({ cert: c.certPem, key: c.keyPem }, (s) => s.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const connect = (opts: tls.ConnectionOptions) =>
    new Promise<{ fp: string; body: string }>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
        const fp = s.getPeerCertificate().fingerprint256;
        let body = '';
        s.on('data', (d) => (body += d));
        s.on('end', () => resolve({ fp, body }));
      });
      s.on('error', reject);
    });
  try {
    const pinned = await connect({ rejectUnauthorized: false });
    assert.equal(pinned.fp, c.fingerprint256);
    assert.equal(pinned.body, 'hello');
    const verified = await connect({ ca: c.certPem });
    assert.equal(verified.body, 'hello');
  } finally {
    server.close();
  }
});

test('a name that cannot go into a certificate is refused before openssl runs', async () => {
  await assert.rejects(selfSignedStreamingCert('bad/name', []), /cannot go into a certificate/);
  await assert.rejects(selfSignedStreamingCert('node', ['1.2.3.4,DNS:evil']), /cannot go into a certificate/);
});
