/**
 * Host and path matching as networking.k8s.io/v1 defines it. Rule paths are compiled once
 * per routing table (`compilePath`), so matching a request is a string comparison and no
 * allocation: the proxy calls `matchesPath` for every request.
 */

export type PathType = 'Exact' | 'Prefix';

/** A rule path ready for matching. */
export interface CompiledPath {
  type: PathType;
  /** Exact: the path as written. Prefix: without trailing slashes ('' for '/'). */
  path: string;
  /** What "longest matching path" compares: the length of `path`. */
  length: number;
}

/**
 * Compiles a rule path. ImplementationSpecific is served as Prefix, and an empty or absent
 * path (allowed only for ImplementationSpecific) as the Prefix '/'.
 */
export function compilePath(pathType: string | undefined, path: string | undefined): CompiledPath {
  const p = path || '/';
  if (pathType === 'Exact') return { type: 'Exact', path: p, length: p.length };
  // "/foo/" and "/foo" are the same Prefix rule: trailing slashes are ignored.
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const norm = p.slice(0, end);
  return { type: 'Prefix', path: norm, length: norm.length };
}

/**
 * Whether a request path matches. Prefix matches element by element on '/': /foo matches
 * /foo, /foo/ and /foo/bar but not /foobar; Exact matches the path exactly (/foo is not /foo/).
 */
export function matchesPath(rule: CompiledPath, reqPath: string): boolean {
  if (rule.type === 'Exact') return reqPath === rule.path;
  if (rule.path === '') return true;
  if (!reqPath.startsWith(rule.path)) return false;
  return reqPath.length === rule.path.length || reqPath.charCodeAt(rule.path.length) === 47;
}

/**
 * The order in which rules are tried: the longest path first, Exact before Prefix on a
 * tie. Callers break remaining ties (the same path in two Ingresses) by age.
 */
export function comparePaths(a: CompiledPath, b: CompiledPath): number {
  if (a.length !== b.length) return b.length - a.length;
  if (a.type !== b.type) return a.type === 'Exact' ? -1 : 1;
  return 0;
}

/**
 * The path of a request target without its query: origin-form "/a?b" or absolute-form
 * "http://host/a?b". Paths are matched as sent (not percent-decoded), as the validation of
 * rule paths forbids the encoded sequences a decoder would turn into separators.
 */
export function requestPath(url: string | undefined): string {
  if (!url) return '/';
  let start = 0;
  if (url.charCodeAt(0) !== 47) {
    // absolute-form (a forward proxy request); anything else is not a path at all.
    const scheme = url.indexOf('://');
    if (scheme < 0) return '/';
    start = url.indexOf('/', scheme + 3);
    if (start < 0) return '/';
  }
  let end = url.length;
  const q = url.indexOf('?', start);
  if (q >= 0) end = q;
  const h = url.indexOf('#', start);
  if (h >= 0 && h < end) end = h;
  return end > start ? url.slice(start, end) : '/';
}

/** The host of a Host header or SNI name, lower-cased, without port or trailing dot. */
export function normalizeHost(host: string | undefined): string {
  if (!host) return '';
  let h = host;
  if (h.charCodeAt(0) === 91 /* '[' */) {
    const close = h.indexOf(']');
    h = close > 0 ? h.slice(0, close + 1) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/**
 * The wildcard key a host would match: "foo.example.com" → ".example.com". A wildcard rule
 * "*.example.com" is stored under the same key, so it covers exactly one label: not
 * "example.com", nor "a.b.example.com".
 */
export function wildcardKey(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 ? host.slice(dot) : undefined;
}

/** Whether a rule host ("", "foo.com" or "*.foo.com") matches a normalized request host. */
export function matchesHost(ruleHost: string, host: string): boolean {
  if (!ruleHost) return true;
  const r = ruleHost.toLowerCase();
  if (r.startsWith('*.')) return wildcardKey(host) === r.slice(1);
  return r === host;
}
