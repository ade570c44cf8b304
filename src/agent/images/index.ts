/** Images without a registry: build (busybox-images.ts, oci-layout.ts) and import (import.ts). */
export { BUSYBOX_IMAGE, PAUSE_IMAGE, PAUSE_COMMAND, buildBusyboxImage, buildPauseImage, buildWebImage, writeBuiltinImages, archiveFileName, BusyboxMissingError } from './busybox-images.js';
export { buildOciArchive, parseImageRef, hostArchitecture, type BuiltImage, type ImageBuildSpec, type ImageRunConfig } from './oci-layout.js';
export { importImage, importImageDir, ImageImportError, CRI_NAMESPACE, type ImportOptions, type ImportResult } from './import.js';
