/** Builds every resource's registry: the base strategy plus what differs per kind. */
import { RESOURCES, type ResourceInfo } from '../../../api/resources.js';
import type { Store } from '../../../storage/store.js';
import type { WatchCacheSet } from '../../watch-cache.js';
import type { ServiceAllocator } from '../../allocators/service-allocator.js';
import { baseStrategy, statusStrategy, type KindPolicy, type Strategy } from '../strategy.js';
import { resourcePrefix } from '../keys.js';
import { Registry } from '../registry.js';
import { errors } from '../../../machinery/errors.js';
import { serviceStrategy } from './service.js';
import { podStrategy } from './pod.js';
import { namespaceStrategy } from './namespace.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './persistent-volume.js';

export function buildRegistries(store: Store, caches: WatchCacheSet, policy: KindPolicy, alloc: ServiceAllocator): Map<ResourceInfo, Registry> {
  const registries = new Map<ResourceInfo, Registry>();
  const nsInfo = RESOURCES.find((r) => r.kind === 'Namespace')!;
  let namespaces: Registry | undefined;
  const scInfo = RESOURCES.find((r) => r.kind === 'StorageClass')!;
  // Claims are admitted against the classes as the StorageClass registry holds them now.
  const storageClasses = () => [...(registries.get(scInfo)?.cache.items.values() ?? [])].map((e) => e.obj);
  // NamespaceLifecycle admission: new objects only in namespaces that exist and are not terminating.
  const admitNamespace = (ns: string) => {
    const e = namespaces!.cache.get(`${resourcePrefix(nsInfo)}${ns}`);
    if (!e) throw errors.notFound({ resource: 'namespaces', group: '', kind: 'Namespace', name: ns });
    if (e.obj.metadata.deletionTimestamp || e.obj.status?.phase === 'Terminating')
      throw errors.forbidden(`unable to create new content in namespace ${ns} because it is being terminated`);
  };
  for (const info of RESOURCES) {
    let strategy: Strategy = baseStrategy(info, policy);
    if (info.kind === 'Service') strategy = serviceStrategy(info, strategy, alloc);
    if (info.kind === 'Pod') strategy = podStrategy(strategy);
    if (info.kind === 'Namespace') strategy = namespaceStrategy(strategy);
    if (info.kind === 'PersistentVolume') strategy = persistentVolumeStrategy(strategy);
    if (info.kind === 'PersistentVolumeClaim') strategy = persistentVolumeClaimStrategy(strategy, storageClasses);
    const status = info.subresources.includes('status') ? statusStrategy(info, policy) : undefined;
    const reg = new Registry(info, strategy, status, store, caches.add(resourcePrefix(info)), caches, admitNamespace);
    registries.set(info, reg);
    if (info === nsInfo) namespaces = reg;
  }
  return registries;
}
