/** Content negotiation: what the client asked for in Accept, and what it sent. */

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...ps] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

export type ResponseShape = 'json' | 'table' | 'partial-metadata';

/**
 * What to send: a Table (kubectl get), PartialObjectMetadata, or plain JSON. Protobuf is
 * never sent; clients that list JSON as an alternative get JSON, the rest get 406.
 */
export function negotiateShape(accept: string | undefined): ResponseShape | undefined {
  for (const r of parseAccept(accept)) {
    const as = r.params.as;
    if (r.type === 'application/json' && as === 'Table' && r.params.g === 'meta.k8s.io' && (r.params.v === 'v1' || r.params.v === 'v1beta1'))
      return 'table';
    if (r.type === 'application/json' && (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && r.params.g === 'meta.k8s.io')
      return 'partial-metadata';
    if (as) continue;
    if (r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*' || r.type === 'application/yaml') return 'json';
  }
  return undefined;
}

/** The media type of a request body, lower-cased, without parameters. */
export function bodyMediaType(contentType: string | undefined): string {
  if (!contentType) return 'application/json';
  return contentType.split(';')[0].trim().toLowerCase();
}
