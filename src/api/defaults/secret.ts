/** Secret defaults, including the stringData fold that Kubernetes does while decoding. */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { isObj, setIfUnset } from './util.js';

/**
 * stringData is write-only convenience: its values are base64-encoded into data
 * (overriding keys there) and the field is dropped, so it is never stored or returned.
 */
export function defaultSecret(secret: Secret): void {
  setIfUnset(secret, 'type', 'Opaque');
  if (!isObj(secret.stringData)) {
    delete secret.stringData;
    return;
  }
  const data = isObj(secret.data) ? secret.data : {};
  for (const [k, v] of Object.entries(secret.stringData)) {
    if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  }
  secret.data = data;
  delete secret.stringData;
}
