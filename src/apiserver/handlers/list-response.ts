/**
 * Serialising lists and single objects as JSON, Table or PartialObjectMetadata. Lists are
 * written by joining each cached object's JSON text, so a 10,000-item list costs one
 * string join rather than a re-serialisation.
 */
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import { toTable } from '../../api/printers/index.js';
import type { Entry } from '../watch-cache.js';
import type { ListPage } from '../registry/registry.js';
import type { ResponseShape } from '../http/negotiate.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function listMetaJson(page: ListPage): string {
  const m: Record<string, unknown> = { resourceVersion: page.resourceVersion };
  if (page.continue) m.continue = page.continue;
  if (page.remainingItemCount !== undefined) m.remainingItemCount = page.remainingItemCount;
  return JSON.stringify(m);
}

export function renderList(info: ResourceInfo, page: ListPage, shape: ResponseShape, include: IncludeObject): string {
  if (shape === 'table') {
    return JSON.stringify(
      toTable(
        info,
        page.entries.map((e) => e.obj),
        { includeObject: include, listMeta: { resourceVersion: page.resourceVersion, continue: page.continue } },
      ),
    );
  }
  if (shape === 'partial-metadata') {
    return JSON.stringify({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: page.resourceVersion, continue: page.continue },
      items: page.entries.map((e) => partialMetadata(e.obj)),
    });
  }
  const head = `{"kind":"${info.listKind}","apiVersion":"${groupVersion(info)}","metadata":${listMetaJson(page)},"items":[`;
  return head + page.entries.map((e) => e.json()).join(',') + ']}';
}

export function partialMetadata(obj: any): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** One object in the negotiated shape. `entry` (when given) provides cached JSON text. */
export function renderObject(info: ResourceInfo, obj: any, shape: ResponseShape, include: IncludeObject, entry?: Entry): string {
  if (shape === 'table') return JSON.stringify(toTable(info, [obj], { includeObject: include, listMeta: { resourceVersion: obj.metadata?.resourceVersion } }));
  if (shape === 'partial-metadata') return JSON.stringify(partialMetadata(obj));
  return entry ? entry.json() : JSON.stringify(obj);
}
