/**
 * The tag part of an image reference, for the pull-policy default: "latest" when the
 * reference has neither tag nor digest, "" when it is pinned by digest only.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  // A colon before the last slash belongs to a registry host:port, not a tag.
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** Always for moving tags (or none), IfNotPresent for anything pinned. */
export const defaultPullPolicy = (image: string | undefined): string =>
  imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
