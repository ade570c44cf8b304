/** Timestamps in the two wire formats node objects use. */

/** metav1.Time: RFC 3339 to the second, as conditions and taints carry it. */
export const rfc3339 = (ms: number = Date.now()): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** metav1.MicroTime: what a Lease's renewTime and acquireTime carry. */
export const microTime = (ms: number = Date.now()): string => new Date(ms).toISOString().replace('Z', '000Z');
