/** Pod volumes on the node: emptyDir, hostPath, configMap, secret, downwardAPI, projected, and PVCs bound to hostPath/local PVs. */
export { VolumeError } from './errors.js';
export { createVolumeManager, PLUGIN_DIRS, type VolumeManager, type VolumeManagerOptions, type VolumeMount } from './manager.js';
export { writeAtomic, DATA_LINK, type Payload, type FileProjection } from './atomic-writer.js';
export { resolveSubPath, subPathOf, expandSubPathExpr, type EnvVar } from './sub-path.js';
