/**
 * Encoding and decoding of CRI messages with protobufjs, from the embedded .proto text.
 * grpc-js takes plain serialize/deserialize functions, so no code generation and no
 * @grpc/proto-loader are needed.
 */
import protobuf from 'protobufjs';
import { CRI_PROTO } from './cri-proto.js';

export const CRI_PACKAGE = 'runtime.v1';
export type CriService = 'RuntimeService' | 'ImageService';

/** How decoded messages look: see the conventions in cri-types.ts. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true };

let root: protobuf.Root | undefined;

/** The parsed schema (parsed once). */
export function criRoot(): protobuf.Root {
  if (!root) {
    root = protobuf.parse(CRI_PROTO, { keepCase: true }).root;
    root.resolveAll();
  }
  return root;
}

export function criType(name: string): protobuf.Type {
  return criRoot().lookupType(`${CRI_PACKAGE}.${name}`);
}

/** Encodes a plain object (enum names, int64 as string or number) as a message. */
export function encodeMessage(typeName: string, value: object): Buffer {
  const type = criType(typeName);
  const bytes = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes a message into a plain object with every field present. */
export function decodeMessage<T>(typeName: string, bytes: Uint8Array): T {
  const type = criType(typeName);
  return type.toObject(type.decode(bytes), TO_OBJECT) as T;
}

export interface CriMethod {
  service: CriService;
  name: string;
  /** The gRPC path, e.g. `/runtime.v1.RuntimeService/Version`. */
  path: string;
  requestType: string;
  responseType: string;
}

let methods: Map<string, CriMethod> | undefined;

/** Every RPC of the subset, keyed by method name (names are unique across both services). */
export function criMethods(): ReadonlyMap<string, CriMethod> {
  if (!methods) {
    methods = new Map();
    for (const service of ['RuntimeService', 'ImageService'] as const) {
      const svc = criRoot().lookupService(`${CRI_PACKAGE}.${service}`);
      for (const m of Object.values(svc.methods)) {
        methods.set(m.name, {
          service,
          name: m.name,
          path: `/${CRI_PACKAGE}.${service}/${m.name}`,
          requestType: m.requestType,
          responseType: m.responseType,
        });
      }
    }
  }
  return methods;
}
