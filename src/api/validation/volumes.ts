/**
 * Pod volumes: unique DNS-label names, exactly one source each, and the checks on the
 * sources orch's agent implements or users commonly write. Other sources are counted
 * (so "exactly one" holds) but their fields are left to whoever implements them.
 */
import type { DownwardAPIVolumeFile, KeyToPath, Volume, VolumeProjection } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain } from './formats.js';
import { arr, idx, invalidEach, isInt, isObj, nonEmptyString, type Obj } from './helpers.js';
import { parseQuantity, QUANTITY_FORMAT_MSG, signOf } from './quantity.js';

export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

function fileMode(path: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  return isInt(v) && v >= 0 && v <= 0o777 ? [] : [fe.invalid(path, v, FILE_MODE_MSG)];
}

/** Paths inside a volume: relative, and never climbing out of it. */
export function validateLocalPath(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string') return [fe.invalid(path, v, 'must be a string')];
  const errs: FieldError[] = [];
  if (v.startsWith('/')) errs.push(fe.invalid(path, v, 'must be a relative path'));
  if (v.split(/[\\/]/).includes('..')) errs.push(fe.invalid(path, v, "must not contain '..'"));
  return errs;
}

function keyToPaths(items: readonly KeyToPath[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(items).forEach((it, i) => {
    const p = idx(path, i);
    if (!nonEmptyString(it?.key)) errs.push(fe.required(`${p}.key`));
    if (!nonEmptyString(it?.path)) errs.push(fe.required(`${p}.path`));
    else errs.push(...validateLocalPath(it.path, `${p}.path`));
    errs.push(...fileMode(`${p}.mode`, it?.mode));
  });
  return errs;
}

function downwardAPIFiles(items: readonly DownwardAPIVolumeFile[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(items).forEach((it, i) => {
    const p = idx(path, i);
    if (!nonEmptyString(it?.path)) errs.push(fe.required(`${p}.path`));
    else errs.push(...validateLocalPath(it.path, `${p}.path`));
    errs.push(...fileMode(`${p}.mode`, it?.mode));
    if (it?.fieldRef && it.resourceFieldRef) {
      errs.push(fe.invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    } else if (it?.fieldRef) {
      errs.push(...validateFieldRef(it.fieldRef, VOLUME_FIELD_PATHS, `${p}.fieldRef`));
    } else if (!it?.resourceFieldRef) {
      errs.push(fe.required(p, 'one of fieldRef and resourceFieldRef is required'));
    }
  });
  return errs;
}

/**
 * ObjectFieldSelector. A single label or annotation (`metadata.labels['k']`) may be
 * selected anywhere; whole maps only where `supported` lists them (volumes, not env).
 */
export function validateFieldRef(ref: Obj, supported: readonly string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!nonEmptyString(ref.apiVersion)) errs.push(fe.required(`${path}.apiVersion`));
  if (!nonEmptyString(ref.fieldPath)) return [...errs, fe.required(`${path}.fieldPath`)];
  const fp = ref.fieldPath;
  if (!/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp) && !supported.includes(fp)) {
    errs.push(fe.notSupported(`${path}.fieldPath`, fp, supported));
  }
  return errs;
}

function projection(src: VolumeProjection, path: string): FieldError[] {
  const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) =>
    isObj((src as Obj)[k]),
  );
  if (kinds.length === 0) return [fe.required(path, 'must specify exactly 1 of: secret, configMap, downwardAPI, serviceAccountToken')];
  if (kinds.length > 1) return [fe.forbidden(`${path}.${kinds[1]}`, 'may not specify more than 1 volume type per source')];
  const errs: FieldError[] = [];
  const p = `${path}.${kinds[0]}`;
  if (src.secret) errs.push(...keyToPaths(src.secret.items, `${p}.items`));
  if (src.configMap) errs.push(...keyToPaths(src.configMap.items, `${p}.items`));
  if (src.downwardAPI) errs.push(...downwardAPIFiles(src.downwardAPI.items, `${p}.items`));
  if (src.serviceAccountToken) {
    const t = src.serviceAccountToken;
    if (!nonEmptyString(t.path)) errs.push(fe.required(`${p}.path`));
    else errs.push(...validateLocalPath(t.path, `${p}.path`));
    if (t.expirationSeconds !== undefined && (!isInt(t.expirationSeconds) || t.expirationSeconds < 600)) {
      errs.push(fe.invalid(`${p}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
    }
  }
  return errs;
}

function source(kind: string, src: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'hostPath':
      if (!nonEmptyString(src.path)) errs.push(fe.required(`${path}.path`));
      if (src.type !== undefined && !HOST_PATH_TYPES.includes(src.type)) errs.push(fe.notSupported(`${path}.type`, src.type, HOST_PATH_TYPES));
      break;
    case 'emptyDir':
      if (src.sizeLimit !== undefined) {
        const q = parseQuantity(src.sizeLimit);
        if (!q) errs.push(fe.invalid(`${path}.sizeLimit`, src.sizeLimit, QUANTITY_FORMAT_MSG));
        else if (signOf(q) < 0) errs.push(fe.invalid(`${path}.sizeLimit`, src.sizeLimit, 'must be greater than or equal to 0'));
      }
      if (src.medium !== undefined && !['', 'Memory', 'HugePages'].includes(src.medium) && !/^HugePages-/.test(src.medium)) {
        errs.push(fe.notSupported(`${path}.medium`, src.medium, ['', 'Memory', 'HugePages']));
      }
      break;
    case 'secret':
      if (!nonEmptyString(src.secretName)) errs.push(fe.required(`${path}.secretName`));
      else errs.push(...invalidEach(`${path}.secretName`, src.secretName, isDNS1123Subdomain(src.secretName)));
      errs.push(...fileMode(`${path}.defaultMode`, src.defaultMode), ...keyToPaths(src.items, `${path}.items`));
      break;
    case 'configMap':
      if (!nonEmptyString(src.name)) errs.push(fe.required(`${path}.name`));
      else errs.push(...invalidEach(`${path}.name`, src.name, isDNS1123Subdomain(src.name)));
      errs.push(...fileMode(`${path}.defaultMode`, src.defaultMode), ...keyToPaths(src.items, `${path}.items`));
      break;
    case 'persistentVolumeClaim':
      if (!nonEmptyString(src.claimName)) errs.push(fe.required(`${path}.claimName`));
      break;
    case 'downwardAPI':
      errs.push(...fileMode(`${path}.defaultMode`, src.defaultMode), ...downwardAPIFiles(src.items, `${path}.items`));
      break;
    case 'projected':
      errs.push(...fileMode(`${path}.defaultMode`, src.defaultMode));
      arr(src.sources as VolumeProjection[]).forEach((s, i) => errs.push(...projection(isObj(s) ? s : {}, idx(`${path}.sources`, i))));
      break;
    case 'nfs':
      if (!nonEmptyString(src.server)) errs.push(fe.required(`${path}.server`));
      if (!nonEmptyString(src.path)) errs.push(fe.required(`${path}.path`));
      else if (!src.path.startsWith('/')) errs.push(fe.invalid(`${path}.path`, src.path, 'must be an absolute path'));
      break;
    case 'awsElasticBlockStore':
    case 'cinder':
      if (!nonEmptyString(src.volumeID)) errs.push(fe.required(`${path}.volumeID`));
      break;
    case 'gcePersistentDisk':
      if (!nonEmptyString(src.pdName)) errs.push(fe.required(`${path}.pdName`));
      break;
    case 'csi':
      if (!nonEmptyString(src.driver)) errs.push(fe.required(`${path}.driver`));
      break;
  }
  return errs;
}

/** Validates the volumes and returns their names for the containers' mounts to check against. */
export function validateVolumes(volumes: readonly Volume[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(volumes).forEach((v, i) => {
    const p = idx(path, i);
    if (!isObj(v)) {
      errs.push(fe.invalid(p, v, 'must be a volume'));
      return;
    }
    if (!nonEmptyString(v.name)) {
      errs.push(fe.required(`${p}.name`));
    } else {
      errs.push(...invalidEach(`${p}.name`, v.name, isDNS1123Label(v.name)));
      if (names.has(v.name)) errs.push(fe.duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    const kinds = VOLUME_SOURCES.filter((k) => isObj((v as Obj)[k]));
    if (kinds.length === 0) {
      errs.push(fe.required(p, 'must specify a volume type'));
      return;
    }
    for (const extra of kinds.slice(1)) errs.push(fe.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    errs.push(...source(kinds[0], (v as Obj)[kinds[0]], `${p}.${kinds[0]}`));
  });
  return { errs, names };
}
