/**
 * The node streaming server's own certificate: self-signed, made at start. The API server
 * pins it by the SHA-256 fingerprint the agent publishes on its Node object (annotation
 * below), so no CA has to be shared with agents.
 *
 * The certificate is made by the `openssl` command (Debian's openssl package, which setup
 * installs) in a child process: an X.509 library loaded into the agent would stay resident
 * for the agent's life (~10 MB of RSS) to run once.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** Node annotation carrying the streaming certificate's SHA-256 fingerprint (`AB:CD:…`). */
export const STREAMING_CERT_ANNOTATION = 'orch.dev/streaming-cert-sha256';

export interface StreamingCert {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as Node prints it: upper-case hex pairs joined by colons. */
  fingerprint256: string;
}

const run = promisify(execFile);

/** A host name is safe on the openssl command line and in a subject; anything else is refused. */
const NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export async function selfSignedStreamingCert(hostname: string, ips: string[]): Promise<StreamingCert> {
  if (!NAME_RE.test(hostname)) throw new Error(`node name ${JSON.stringify(hostname)} cannot go into a certificate`);
  for (const ip of ips) if (!/^[0-9a-fA-F:.]+$/.test(ip)) throw new Error(`address ${JSON.stringify(ip)} cannot go into a certificate`);
  const dir = await mkdtemp(path.join(tmpdir(), 'orch-streaming-cert-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const san = [`DNS:${hostname}`, ...ips.map((ip) => `IP:${ip}`)].join(',');
  try {
    await run('openssl', [
      'req', '-x509', '-new', '-batch',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-sha256', '-nodes', '-days', '365',
      '-subj', `/CN=${hostname}@${Math.floor(Date.now() / 1000)}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'extendedKeyUsage=serverAuth',
      '-addext', `subjectAltName=${san}`,
      '-keyout', keyFile, '-out', certFile,
    ]).catch((err: NodeJS.ErrnoException & { stderr?: string }) => {
      if (err.code === 'ENOENT') throw new Error('openssl is not installed: the node streaming server needs it for its certificate (apt-get install openssl)');
      throw new Error(`openssl could not make the streaming certificate: ${err.stderr?.trim() || err.message}`);
    });
    const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
