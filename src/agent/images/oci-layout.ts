/**
 * Builds an OCI image-layout archive (oci-layout, index.json, blobs/sha256/...) holding one
 * single-layer image, the form `ctr images import` reads. Deterministic: same rootfs and
 * config give the same digests.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createTar, type TarEntry } from './tar.js';

export const MEDIA_TYPE = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** containerd reads the image name from this index annotation on import. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** What runs by default (the `config` object of the OCI image config). */
export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
}

export interface ImageBuildSpec {
  /** Full reference `host/repo:tag`, e.g. `orch.local/busybox:1`. */
  ref: string;
  /** The single layer's contents. */
  rootfs: TarEntry[];
  config: ImageRunConfig;
  /** OCI architecture; default: this machine's (amd64 on x64). */
  architecture?: string;
  /** Free text recorded in the image history. */
  createdBy?: string;
}

export interface BuiltImage {
  ref: string;
  /** The OCI image-layout tar archive. */
  archive: Buffer;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
  /** sha256 of the uncompressed layer (the config's diff_id). */
  diffId: string;
  /** The manifest, config and layer by digest (what a registry would serve). */
  blobs: Map<string, Buffer>;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The OCI architecture name of this machine. */
export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

const REF = /^(?<host>[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?)\/(?<repo>[a-z0-9]+([._/-][a-z0-9]+)*):(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;

/** Splits a full `host/repo:tag` reference; throws on short forms like `busybox:1`. */
export function parseImageRef(ref: string): { host: string; repo: string; tag: string } {
  const m = REF.exec(ref);
  if (!m?.groups || !/[.:]|^localhost$/.test(m.groups.host)) {
    throw new Error(`image reference ${JSON.stringify(ref)} must be a full host/repo:tag (e.g. orch.local/busybox:1)`);
  }
  return { host: m.groups.host, repo: m.groups.repo, tag: m.groups.tag };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

export function buildOciArchive(spec: ImageBuildSpec): BuiltImage {
  const { tag } = parseImageRef(spec.ref);
  const layerTar = createTar(spec.rootfs);
  // A fixed level and no mtime in the gzip header (Node writes 0): stable bytes, stable
  // digest. Level 6 is 2.5x faster than 9 on busybox for 0.1% more bytes.
  const layer = gzipSync(layerTar, { level: 6 });
  const diffId = sha256(layerTar);
  const config = json({
    architecture: spec.architecture ?? hostArchitecture(),
    os: 'linux',
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created_by: spec.createdBy ?? 'orch images' }],
  });
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: { mediaType: MEDIA_TYPE.config, digest: sha256(config), size: config.length },
    layers: [{ mediaType: MEDIA_TYPE.layerGzip, digest: sha256(layer), size: layer.length }],
  });
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: [
      {
        mediaType: MEDIA_TYPE.manifest,
        digest: sha256(manifest),
        size: manifest.length,
        annotations: { [ANNOTATION_IMAGE_NAME]: spec.ref, [ANNOTATION_REF_NAME]: tag },
        platform: { architecture: spec.architecture ?? hostArchitecture(), os: 'linux' },
      },
    ],
  });
  const blobs = [layer, config, manifest].map((data) => ({ data, hex: sha256(data).slice('sha256:'.length) }));
  // Hex digests compare as plain strings (localeCompare would load ICU's collation tables).
  blobs.sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
  const archive = createTar([
    { type: 'file', path: 'oci-layout', data: json({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', data: index },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...blobs.map((b) => ({ type: 'file' as const, path: `blobs/sha256/${b.hex}`, data: b.data })),
  ]);
  return {
    ref: spec.ref,
    archive,
    manifestDigest: sha256(manifest),
    configDigest: sha256(config),
    layerDigest: sha256(layer),
    diffId,
    blobs: new Map([manifest, config, layer].map((b) => [sha256(b), b])),
  };
}
