/** Helpers for mutating decoded JSON that may not have the shape its type claims. */

export type Obj = Record<string, any>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets `obj[k]` when it is missing, null or "" (Go's zero value for strings and pointers). */
export function setIfUnset<T extends object, K extends keyof T>(obj: T, k: K, v: T[K]): void {
  const cur = obj[k] as unknown;
  if (cur === undefined || cur === null || cur === '') obj[k] = v;
}

/** Calls fn on each object element of a list, skipping anything malformed. */
export function each<T>(list: readonly T[] | undefined | null, fn: (item: T) => void): void {
  if (!Array.isArray(list)) return;
  for (const item of list) if (isObj(item)) fn(item as T);
}
