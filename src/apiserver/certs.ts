/**
 * The cluster's certificate authority and the API server's serving certificate, made on
 * first start and kept in <dataDir>/tls. ECDSA P-256: small, and fast to handshake.
 */
import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

/**
 * @peculiar/x509 (~20 MB resident) is loaded only when a certificate must be made; a restart
 * with valid certificates checks them with node:crypto alone.
 */
async function loadX509(): Promise<typeof X509> {
  // It resolves its algorithm providers through tsyringe, which needs this polyfill.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as any);
  return x509;
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface ServingCerts {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const toPem = (der: ArrayBuffer, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

async function exists(p: string): Promise<boolean> {
  return readFile(p).then(
    () => true,
    () => false,
  );
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // a positive serial number
  return b.toString('hex');
}

/**
 * Loads the CA and serving certificate from dir, creating them if absent. The serving
 * certificate is re-issued when the requested SANs are not all in the existing one.
 */
export async function ensureServingCerts(dir: string, sans: { dns: string[]; ips: string[] }): Promise<ServingCerts> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'serving.crt');
  const keyPath = join(dir, 'serving.key');
  const subtle = webcrypto.subtle;
  const wanted = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP Address:${i}`)];
  if ((await exists(caCertPath)) && (await exists(caKeyPath)) && (await exists(certPath)) && (await exists(keyPath))) {
    const certPem = await readFile(certPath, 'utf8');
    const cert = new X509Certificate(certPem);
    const names = new Set((cert.subjectAltName ?? '').split(', '));
    if (wanted.every((w) => names.has(w)) && Date.parse(cert.validTo) > Date.now() + 30 * 24 * 3600_000) {
      const caPem = await readFile(caCertPath, 'utf8');
      return { caPem: caPem.endsWith('\n') ? caPem : caPem + '\n', certPem, keyPem: await readFile(keyPath, 'utf8') };
    }
  }
  const x509 = await loadX509();

  let caCert: X509.X509Certificate;
  let caKey: CryptoKey;
  if ((await exists(caCertPath)) && (await exists(caKeyPath))) {
    caCert = new x509.X509Certificate(await readFile(caCertPath, 'utf8'));
    const der = x509.PemConverter.decodeFirst(await readFile(caKeyPath, 'utf8'));
    caKey = (await subtle.importKey('pkcs8', der, ALG, true, ['sign'])) as CryptoKey;
  } else {
    const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=orch-ca@${Math.floor(now / 1000)}`,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 10 * YEAR_MS),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caKey = keys.privateKey;
    await writeFile(caKeyPath, toPem(await subtle.exportKey('pkcs8', caKey), 'PRIVATE KEY'), { mode: 0o600 });
    await writeFile(caCertPath, caCert.toString('pem') + '\n');
  }

  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=orch-apiserver',
    issuer: caCert.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + YEAR_MS),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const certPem = cert.toString('pem') + '\n' + caCert.toString('pem') + '\n';
  const keyPem = toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  await writeFile(keyPath, keyPem, { mode: 0o600 });
  await writeFile(certPath, certPem);
  return { caPem: caCert.toString('pem') + '\n', certPem, keyPem };
}
