/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when
 * no such string exists (empty prefix, or one made only of U+10FFFF). Ordering is by code
 * point, which is the byte order of UTF-8 that both SQLite (BINARY collation) and etcd use.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // Surrogate code points cannot be encoded in UTF-8, so nothing sorts between them.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** Byte form of prefixEnd for etcd ranges, where "\0" as range_end means "to the end of the keyspace". */
export function prefixEndBytes(prefix: string): Buffer {
  const end = prefixEnd(prefix);
  return end === undefined ? Buffer.from([0]) : Buffer.from(end);
}

/** Byte form of a range start for etcd, which rejects an empty key: "\0" is the lowest one. */
export const prefixStartBytes = (prefix: string): Buffer => (prefix === '' ? Buffer.from([0]) : Buffer.from(prefix));

/**
 * Where a listing of prefix starts when paging past `after`: "\0" appended is the smallest
 * key above it, and an `after` below the prefix must not widen the range.
 */
export function listStart(prefix: string, after: string | undefined): string {
  const next = after === undefined ? undefined : `${after}\0`;
  return next !== undefined && next > prefix ? next : prefix;
}
