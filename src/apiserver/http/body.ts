/** Reads request bodies with a size limit and decodes them by Content-Type. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../../machinery/errors.js';
import { bodyMediaType } from './negotiate.js';

/** Kubernetes' limit for a request body. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw errors.tooLarge(`Request entity too large: limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw errors.tooLarge(`Request entity too large: limit is ${limit}`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

export function parseJson(buf: Buffer, what = 'the request body'): unknown {
  if (buf.length === 0) throw errors.badRequest(`${what} is empty`);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export function parseYamlDoc(buf: Buffer, what = 'the request body'): unknown {
  try {
    return parseYaml(buf.toString('utf8'), { uniqueKeys: false, maxAliasCount: 100 });
  } catch (e) {
    throw errors.badRequest(`${what} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Decodes an object body (create, update) in JSON, YAML or Kubernetes protobuf. */
export async function decodeObjectBody(contentType: string | undefined, buf: Buffer): Promise<any> {
  const type = bodyMediaType(contentType);
  switch (type) {
    case 'application/json':
    case '*/*':
      return parseJson(buf);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return parseYamlDoc(buf);
    case 'application/vnd.kubernetes.protobuf':
      // Loaded on first use: protobufjs and the schema cost ~10 MB most servers never need.
      return (await import('../protobuf/decode.js')).decodeKubernetesProtobuf(buf);
    default:
      throw errors.unsupportedMediaType(contentType ?? '');
  }
}
