import type { IKeyValue } from 'etcd3';
import type { KeyValue } from '../store.js';

const EMPTY = Buffer.alloc(0);

export const toKeyValue = (kv: IKeyValue): KeyValue => ({
  key: kv.key.toString(),
  value: kv.value ?? EMPTY,
  modRevision: Number(kv.mod_revision),
  createRevision: Number(kv.create_revision),
});
