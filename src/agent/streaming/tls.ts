/**
 * The node streaming server's own certificate: self-signed, made in memory at start. The
 * API server pins it by the SHA-256 fingerprint the agent publishes on its Node object
 * (annotation below), so no CA has to be shared with agents.
 */
import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs this polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as any);

/** Node annotation carrying the streaming certificate's SHA-256 fingerprint (`AB:CD:…`). */
export const STREAMING_CERT_ANNOTATION = 'orch.dev/streaming-cert-sha256';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const toPem = (der: ArrayBuffer, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

export interface StreamingCert {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as Node prints it: upper-case hex pairs joined by colons. */
  fingerprint256: string;
}

export async function selfSignedStreamingCert(hostname: string, ips: string[]): Promise<StreamingCert> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${hostname}@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }, ...ips.map((value) => ({ type: 'ip' as const, value }))]),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  const keyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256 };
}
