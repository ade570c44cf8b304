/**
 * TLS for the HTTPS listener: a secure context per Secret (cached by resourceVersion, so a
 * rebuild that leaves a Secret alone costs nothing), chosen by SNI; and a self-signed
 * default certificate for names no Ingress has a certificate for, made once at start.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import tls from 'node:tls';
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs this polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { lookupTls, type RouteTable, type TlsEntry } from './routes.js';

x509.cryptoProvider.set(webcrypto as any);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

const toPem = (der: ArrayBuffer, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

/**
 * A self-signed serving certificate (ECDSA P-256) for `dnsNames`; the first is the CN.
 * The controller's default certificate, and the tests' certificates, are made with it.
 */
export async function selfSignedCertificate(dnsNames: string[], days = 365): Promise<KeyPair> {
  const subtle = webcrypto.subtle;
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${dnsNames[0] ?? 'orch-ingress'}`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + days * 24 * 3600_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY') };
}

/** The default certificate's name, as ingress-nginx's "Kubernetes Ingress Controller Fake Certificate". */
export const DEFAULT_CERT_NAME = 'orch-ingress-default.invalid';

export interface CertFailure {
  entry: TlsEntry;
  message: string;
}

export class CertStore {
  /** Contexts by "namespace/name@resourceVersion". */
  private contexts = new Map<string, tls.SecureContext>();
  private table: RouteTable | undefined;

  constructor(readonly defaultContext: tls.SecureContext) {}

  /**
   * Makes contexts for the table's certificates, dropping those no longer used. Returns
   * the certificates Node refused (bad PEM, key not matching); their hosts get the default.
   */
  update(table: RouteTable): CertFailure[] {
    const next = new Map<string, tls.SecureContext>();
    const failures: CertFailure[] = [];
    const failed = new Set<string>();
    for (const entry of table.tls.values()) {
      const id = `${entry.secret}@${entry.resourceVersion}`;
      if (next.has(id) || failed.has(id)) continue;
      const ctx = this.contexts.get(id);
      if (ctx) {
        next.set(id, ctx);
        continue;
      }
      try {
        next.set(id, tls.createSecureContext({ cert: entry.certPem, key: entry.keyPem }));
      } catch (err) {
        failed.add(id);
        failures.push({ entry, message: `TLS Secret ${entry.secret} holds an unusable certificate or key (${(err as Error).message}); serving the default certificate` });
      }
    }
    this.contexts = next;
    this.table = table;
    return failures;
  }

  /** The context for an SNI name: its Ingress's certificate, else the default. */
  contextFor(servername: string | undefined): tls.SecureContext {
    const entry = this.table && lookupTls(this.table, servername);
    if (!entry) return this.defaultContext;
    return this.contexts.get(`${entry.secret}@${entry.resourceVersion}`) ?? this.defaultContext;
  }

  /** For tls.createServer: the SNICallback choosing contexts from the current table. */
  sniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    cb(null, this.contextFor(servername));
  };
}
