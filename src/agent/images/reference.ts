/**
 * Docker-style image references in their full form, as containerd resolves them and the
 * kubelet reports them in containerStatuses[].image: `nginx:1.7.9` is
 * `docker.io/library/nginx:1.7.9`, `busybox` is `docker.io/library/busybox:latest`.
 */

/** The full form of `ref`; a reference that does not parse is returned as given. */
export function normalizeImageRef(ref: string): string {
  if (!ref || /\s/.test(ref)) return ref;
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  // The first component is a registry when it looks like a host: a dot, a port, or localhost.
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = hasDomain ? ref : `docker.io/${ref}`;
  if (!hasDomain && slash < 0) name = `docker.io/library/${ref}`;
  const afterDomain = name.slice(name.indexOf('/') + 1);
  const hasTagOrDigest = afterDomain.includes('@') || afterDomain.slice(afterDomain.lastIndexOf('/') + 1).includes(':');
  return hasTagOrDigest ? name : `${name}:latest`;
}
