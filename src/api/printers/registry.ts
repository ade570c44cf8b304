/** Which printer prints which kind. */
import type { ResourceInfo } from '../resources.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { defaultPrinter } from './default.js';
import { deploymentPrinter } from './deployment.js';
import { endpointSlicePrinter, endpointsPrinter } from './endpoints.js';
import { eventPrinter } from './event.js';
import { ingressClassPrinter, ingressPrinter } from './ingress.js';
import { leasePrinter } from './lease.js';
import { namespacePrinter } from './namespace.js';
import { nodePrinter } from './node.js';
import { podPrinter } from './pod.js';
import { replicaSetPrinter } from './replicaset.js';
import { servicePrinter } from './service.js';
import { storageClassPrinter } from './storage-class.js';
import type { Printer } from './types.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from './volume.js';

// Keyed by group and kind, not version: a kind prints the same in every version orch serves.
const key = (group: string, kind: string): string => `${group}/${kind}`;

const PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  [key('', 'Pod'), podPrinter],
  [key('', 'Service'), servicePrinter],
  [key('', 'Node'), nodePrinter],
  [key('', 'Namespace'), namespacePrinter],
  [key('', 'ConfigMap'), configMapPrinter],
  [key('', 'Secret'), secretPrinter],
  [key('', 'ServiceAccount'), serviceAccountPrinter],
  [key('', 'Endpoints'), endpointsPrinter],
  [key('', 'Event'), eventPrinter],
  [key('', 'PersistentVolume'), persistentVolumePrinter],
  [key('', 'PersistentVolumeClaim'), persistentVolumeClaimPrinter],
  [key('apps', 'Deployment'), deploymentPrinter],
  [key('apps', 'ReplicaSet'), replicaSetPrinter],
  [key('discovery.k8s.io', 'EndpointSlice'), endpointSlicePrinter],
  [key('networking.k8s.io', 'Ingress'), ingressPrinter],
  [key('networking.k8s.io', 'IngressClass'), ingressClassPrinter],
  [key('storage.k8s.io', 'StorageClass'), storageClassPrinter],
  [key('coordination.k8s.io', 'Lease'), leasePrinter],
]);

/** The printer for a resource; NAME and AGE for kinds without one of their own. */
export function printerFor(info: Pick<ResourceInfo, 'group' | 'kind'>): Printer {
  return PRINTERS.get(key(info.group, info.kind)) ?? defaultPrinter;
}

/** Whether the kind has a printer of its own rather than the NAME/AGE default. */
export const hasPrinter = (info: Pick<ResourceInfo, 'group' | 'kind'>): boolean =>
  PRINTERS.has(key(info.group, info.kind));
