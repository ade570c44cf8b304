/**
 * Objects every cluster has from its first start: the system namespaces, the
 * `kubernetes` Service and the StorageClasses of orch's local-path provisioner.
 * Idempotent: existing objects are left as they are (an administrator may have changed
 * which class is the default).
 */
import type { ResourceInfo } from '../api/resources.js';
import { ApiError } from '../machinery/errors.js';
import type { Logger } from '../machinery/log.js';
import type { Registry } from './registry/registry.js';
import type { ServiceAllocator } from './allocators/service-allocator.js';
import { ANN_DEFAULT_CLASS, LOCAL_PATH_PROVISIONER } from '../machinery/persistent-volumes.js';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * `local-path` is the default, like k3s's: the volume is made on the node the first pod
 * lands on. `default` binds at once, on a node the PV controller picks, because manifests
 * written for clouds (the course's claim among them) ask for a class of that name.
 */
const STORAGE_CLASSES = [
  {
    metadata: { name: 'local-path', annotations: { [ANN_DEFAULT_CLASS]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  },
  { metadata: { name: 'default' }, provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' },
];
const ctx = { user: 'system:apiserver', dryRun: false };

export async function bootstrap(registries: Map<ResourceInfo, Registry>, alloc: ServiceAllocator, log: Logger, opts: { storageClasses: boolean } = { storageClasses: true }): Promise<void> {
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
  const classes = byKind('StorageClass');
  for (const sc of opts.storageClasses ? STORAGE_CLASSES : []) {
    await ensure(() => classes.create(undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', ...structuredClone(sc) }, ctx));
  }
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
