/** Why a volume could not be prepared; `reason` is the short word the pod worker puts in events. */
export class VolumeError extends Error {
  constructor(
    /** e.g. 'UnsupportedVolume', 'ConfigMapNotFound', 'SecretNotFound', 'FailedMount', 'FailedUnmount'. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'VolumeError';
  }
}
