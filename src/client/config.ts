/** Where the API server is and how to authenticate: from a kubeconfig or given directly. */
import { readFile } from 'node:fs/promises';

export interface ClientConfig {
  /** https://host:port */
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  token?: string;
  /** Do not verify the server's certificate (insecure; kubeconfig insecure-skip-tls-verify). */
  insecureSkipTlsVerify?: boolean;
  /** Sent as User-Agent, e.g. "orch-scheduler". */
  userAgent?: string;
}

/** Reads the current context of a kubeconfig (certificate-authority-data and token users). */
export async function loadKubeconfig(path: string): Promise<ClientConfig> {
  // Loaded here, not at start: components given --server/--token never parse YAML (~3 MB RSS).
  const { parse } = await import('yaml');
  const doc = parse(await readFile(path, 'utf8'));
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c: any) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: current context ${JSON.stringify(ctxName)} not found`);
  const cluster = doc.clusters?.find((c: any) => c.name === ctx.cluster)?.cluster;
  const user = doc.users?.find((u: any) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  let ca = '';
  if (cluster['certificate-authority-data']) ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  else if (cluster['certificate-authority']) ca = await readFile(cluster['certificate-authority'], 'utf8');
  return { server: cluster.server, ca, token: user.token, insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true };
}
