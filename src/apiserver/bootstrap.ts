/**
 * Objects every cluster has from its first start: the system namespaces and the
 * `kubernetes` Service. Idempotent: existing objects are left as they are.
 */
import type { ResourceInfo } from '../api/resources.js';
import { ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import type { Registry } from './registry/registry.js';
import type { ServiceAllocator } from './allocators/service-allocator.js';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const ctx = { user: 'system:apiserver', dryRun: false };

export async function bootstrap(registries: Map<ResourceInfo, Registry>, alloc: ServiceAllocator, log: Logger): Promise<void> {
  const byKind = (kind: string) => [...registries.entries()].find(([i]) => i.kind === kind)![1];
  const namespaces = byKind('Namespace');
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(() => namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, ctx));
  }
  await ensure(() =>
    byKind('Service').create(
      'default',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { clusterIP: alloc.apiServerIp, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
      },
      ctx,
    ),
  );
  log.debug('bootstrap objects ensured');
}

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    // Already there from an earlier start (or created by another server): fine.
    if (err instanceof ApiError && (err.reason === 'AlreadyExists' || (err.reason === 'Invalid' && /already allocated/.test(err.message)))) return;
    throw err;
  }
}
