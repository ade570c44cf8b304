/** Writes an admin kubeconfig for the real kubectl and client libraries. */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  token: string;
  clusterName?: string;
  user?: string;
}

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const cluster = spec.clusterName ?? 'orch';
  const user = spec.user ?? 'admin';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: spec.server, 'certificate-authority-data': Buffer.from(spec.caPem).toString('base64') } }],
    users: [{ name: user, user: { token: spec.token } }],
    contexts: [{ name: cluster, context: { cluster, user, namespace: 'default' } }],
    'current-context': cluster,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderKubeconfig(spec), { mode: 0o600 });
}
