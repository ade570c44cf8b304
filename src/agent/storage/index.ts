/** Persistent volumes on the node: the local-path provisioner and the data of its volumes. */
export { LocalPathProvisioner, type LocalPathProvisionerOptions } from './provisioner.js';
export { PROVISIONER, PARAM_ENFORCE_SIZE, storageDirOf } from './names.js';
export { prepareLocalVolume } from './volume-data.js';
