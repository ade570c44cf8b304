/**
 * core/v1: pod volumes and their sources. orch's agent implements emptyDir, hostPath,
 * configMap, secret, downwardAPI, projected and persistentVolumeClaim; the rest are
 * declared so manifests that name them still decode.
 */

import {
  bool,
  int32,
  int64,
  oneOf,
  pkg,
  quantity,
  ref,
  refs,
  req,
  str,
  strMap,
  strs,
  type Field,
  type TypeDef,
} from './dsl.js';

const { type } = pkg('core.v1');

const fsType = str('Filesystem type to mount, e.g. ext4 or xfs; ext4 when empty.');
const readOnly = bool('Mount the volume read-only. Defaults to false.');
const partition = int32('Partition number to mount; 0 mounts the whole device.');
const defaultMode = int32(
  'Permission bits for created files, octal 0000-0777 (decimal in JSON). Defaults to 0644.',
);
const itemMode = int32('Permission bits of this file, octal 0000-0777; defaultMode when unset.');
const localSecret = (what: string): Field => ref('LocalObjectReference', `Secret with ${what}.`);

// Sources valid both in a pod volume and in a PersistentVolume share one type.
export const volumeSourceFields: Record<string, Field> = {
  awsElasticBlockStore: ref('AWSElasticBlockStoreVolumeSource', 'Deprecated: an AWS EBS disk.'),
  azureDisk: ref('AzureDiskVolumeSource', 'Deprecated: an Azure data disk.'),
  azureFile: ref('AzureFileVolumeSource', 'Deprecated: an Azure File share.'),
  cephfs: ref('CephFSVolumeSource', 'Deprecated: a CephFS mount.'),
  cinder: ref('CinderVolumeSource', 'Deprecated: an OpenStack Cinder volume.'),
  configMap: ref('ConfigMapVolumeSource', 'Keys of a ConfigMap as files.'),
  csi: ref('CSIVolumeSource', 'An ephemeral volume provided by a CSI driver.'),
  downwardAPI: ref('DownwardAPIVolumeSource', 'Pod fields and container resources as files.'),
  emptyDir: ref('EmptyDirVolumeSource', 'An empty directory that lives as long as the pod.'),
  ephemeral: ref('EphemeralVolumeSource', 'A PersistentVolumeClaim created for and deleted with the pod.'),
  fc: ref('FCVolumeSource', 'A Fibre Channel disk.'),
  flexVolume: ref('FlexVolumeSource', 'Deprecated: a volume mounted by a FlexVolume driver.'),
  flocker: ref('FlockerVolumeSource', 'Deprecated: a Flocker dataset.'),
  gcePersistentDisk: ref('GCEPersistentDiskVolumeSource', 'Deprecated: a GCE persistent disk.'),
  gitRepo: ref('GitRepoVolumeSource', 'Deprecated: a directory cloned from a git repository.'),
  glusterfs: ref('GlusterfsVolumeSource', 'Deprecated: a GlusterFS mount.'),
  hostPath: ref('HostPathVolumeSource', 'A file or directory of the node; gives access to the host.'),
  image: ref('ImageVolumeSource', 'The content of an OCI image or artifact, read-only.'),
  iscsi: ref('ISCSIVolumeSource', 'An iSCSI disk.'),
  nfs: ref('NFSVolumeSource', 'An NFS export.'),
  persistentVolumeClaim: ref('PersistentVolumeClaimVolumeSource', 'The volume bound to a PersistentVolumeClaim.'),
  photonPersistentDisk: ref('PhotonPersistentDiskVolumeSource', 'Deprecated: a Photon Controller disk.'),
  portworxVolume: ref('PortworxVolumeSource', 'Deprecated: a Portworx volume.'),
  projected: ref('ProjectedVolumeSource', 'Several ConfigMaps, Secrets, downward API files and tokens in one directory.'),
  quobyte: ref('QuobyteVolumeSource', 'Deprecated: a Quobyte volume.'),
  rbd: ref('RBDVolumeSource', 'Deprecated: a Ceph RBD image.'),
  scaleIO: ref('ScaleIOVolumeSource', 'Deprecated: a ScaleIO volume.'),
  secret: ref('SecretVolumeSource', 'Keys of a Secret as files, on tmpfs.'),
  storageos: ref('StorageOSVolumeSource', 'Deprecated: a StorageOS volume.'),
  vsphereVolume: ref('VsphereVirtualDiskVolumeSource', 'Deprecated: a vSphere VMDK.'),
};

export const volumeTypes: TypeDef[] = [
  type('Volume', 'A named volume of a pod; set exactly one source (emptyDir when none is set).', {
    name: req(str('Name of the volume, a DNS label unique in the pod; volumeMounts refer to it.')),
    ...volumeSourceFields,
  }),
  type('LocalObjectReference', 'Names an object in the same namespace.', {
    name: str('Name of the object.'),
  }),
  type('EmptyDirVolumeSource', 'A scratch directory created empty when the pod starts and removed with it.', {
    medium: str('"Memory" for tmpfs; empty for the node\'s disk.'),
    sizeLimit: quantity('Most storage the volume may use; the pod is evicted beyond it.'),
  }),
  type('HostPathVolumeSource', 'A path on the node.', {
    path: req(str('Path on the node; a symlink is followed.')),
    type: oneOf(
      ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'],
      'What must (or will be created to) exist at the path; empty skips checks.',
    ),
  }),
  type('ConfigMapVolumeSource', 'Exposes the keys of a ConfigMap as files.', {
    defaultMode,
    items: refs('KeyToPath', 'Keys to expose and their file paths; all keys when empty.'),
    name: str('Name of the ConfigMap.'),
    optional: bool('Do not fail if the ConfigMap or a key is missing.'),
  }),
  type('SecretVolumeSource', 'Exposes the keys of a Secret as files.', {
    defaultMode,
    items: refs('KeyToPath', 'Keys to expose and their file paths; all keys when empty.'),
    optional: bool('Do not fail if the Secret or a key is missing.'),
    secretName: str('Name of the Secret in the pod\'s namespace.'),
  }),
  type('KeyToPath', 'Maps one key to a file path.', {
    key: req(str('Key to expose.')),
    mode: itemMode,
    path: req(str('Relative file path; may not contain "..".')),
  }),
  type('DownwardAPIVolumeSource', 'Exposes pod fields and container resources as files.', {
    defaultMode,
    items: refs('DownwardAPIVolumeFile', 'Files to create.'),
  }),
  type('DownwardAPIVolumeFile', 'One file holding a pod field or a container resource value.', {
    fieldRef: ref('ObjectFieldSelector', 'Pod field: metadata.name, metadata.namespace, metadata.uid, labels or annotations.'),
    mode: itemMode,
    path: req(str('Relative file path; may not contain "..".')),
    resourceFieldRef: ref('ResourceFieldSelector', 'A container resource limit or request.'),
  }),
  type('ProjectedVolumeSource', 'Several sources projected into one directory.', {
    defaultMode,
    sources: refs('VolumeProjection', 'Sources to project.'),
  }),
  type('VolumeProjection', 'One source of a projected volume; set exactly one.', {
    clusterTrustBundle: ref('ClusterTrustBundleProjection', 'Certificates from ClusterTrustBundle objects.'),
    configMap: ref('ConfigMapProjection', 'Keys of a ConfigMap.'),
    downwardAPI: ref('DownwardAPIProjection', 'Pod fields and container resources.'),
    secret: ref('SecretProjection', 'Keys of a Secret.'),
    serviceAccountToken: ref('ServiceAccountTokenProjection', 'A token of the pod\'s service account.'),
  }),
  type('ConfigMapProjection', 'ConfigMap keys in a projected volume.', {
    items: refs('KeyToPath', 'Keys to project and their paths; all keys when empty.'),
    name: str('Name of the ConfigMap.'),
    optional: bool('Do not fail if the ConfigMap or a key is missing.'),
  }),
  type('SecretProjection', 'Secret keys in a projected volume.', {
    items: refs('KeyToPath', 'Keys to project and their paths; all keys when empty.'),
    name: str('Name of the Secret.'),
    optional: bool('Do not fail if the Secret or a key is missing.'),
  }),
  type('DownwardAPIProjection', 'Downward API files in a projected volume.', {
    items: refs('DownwardAPIVolumeFile', 'Files to create.'),
  }),
  type('ServiceAccountTokenProjection', 'A bound service account token, refreshed before it expires.', {
    audience: str('Intended audience of the token; the API server\'s when empty.'),
    expirationSeconds: int64('Requested lifetime in seconds, at least 600. Defaults to 3600.'),
    path: req(str('File path of the token, relative to the mount point.')),
  }),
  type('ClusterTrustBundleProjection', 'Certificates from ClusterTrustBundles, concatenated into one file.', {
    labelSelector: ref('meta.v1.LabelSelector', 'Bundles of signerName selected by label.'),
    name: str('A bundle by name; excludes signerName and labelSelector.'),
    optional: bool('Write an empty file rather than fail when nothing matches.'),
    path: req(str('File path relative to the mount point.')),
    signerName: str('Bundles of this signer.'),
  }),
  type('PersistentVolumeClaimVolumeSource', 'Uses the volume bound to a claim in the pod\'s namespace.', {
    claimName: req(str('Name of the PersistentVolumeClaim.')),
    readOnly: bool('Mount read-only. Defaults to false.'),
  }),
  type('EphemeralVolumeSource', 'A claim created from a template for the pod and deleted with it.', {
    volumeClaimTemplate: ref('PersistentVolumeClaimTemplate', 'Template of the claim, named "<pod>-<volume>".'),
  }),
  type('PersistentVolumeClaimTemplate', 'Template of a PersistentVolumeClaim.', {
    metadata: ref('meta.v1.ObjectMeta', 'Labels and annotations copied to the claim.'),
    spec: req(ref('PersistentVolumeClaimSpec', 'Spec of the claim.')),
  }),
  type('ImageVolumeSource', 'An OCI image or artifact mounted as a read-only volume.', {
    pullPolicy: oneOf(['Always', 'Never', 'IfNotPresent'], 'When to pull the image.'),
    reference: str('Image reference, as for a container image.'),
  }),
  type('CSIVolumeSource', 'An inline volume from a CSI driver.', {
    driver: req(str('Name of the CSI driver.')),
    fsType,
    nodePublishSecretRef: localSecret('data for the driver\'s publish calls'),
    readOnly,
    volumeAttributes: strMap('Driver-specific attributes.'),
  }),
  type('NFSVolumeSource', 'An NFS export.', {
    path: req(str('Exported path.')),
    readOnly,
    server: req(str('Host name or IP of the NFS server.')),
  }),
  type('ISCSIVolumeSource', 'An iSCSI disk, mounted read-write by one pod at a time.', {
    chapAuthDiscovery: bool('Use CHAP authentication for discovery.'),
    chapAuthSession: bool('Use CHAP authentication for the session.'),
    fsType,
    initiatorName: str('Custom initiator name.'),
    iqn: req(str('Target IQN.')),
    iscsiInterface: str('iSCSI interface name. Defaults to "default".'),
    lun: req(int32('Target LUN number.')),
    portals: strs('Extra target portals, host:port.'),
    readOnly,
    secretRef: localSecret('the CHAP credentials'),
    targetPortal: req(str('Target portal, host or host:port.')),
  }),
  type('FCVolumeSource', 'A Fibre Channel disk.', {
    fsType,
    lun: int32('Target LUN number.'),
    readOnly,
    targetWWNs: strs('Target world wide names.'),
    wwids: strs('Volume world wide ids; alternative to targetWWNs and lun.'),
  }),
  type('GCEPersistentDiskVolumeSource', 'A GCE persistent disk.', {
    fsType,
    partition,
    pdName: req(str('Name of the disk in GCE.')),
    readOnly,
  }),
  type('AWSElasticBlockStoreVolumeSource', 'An AWS EBS volume.', {
    fsType,
    partition,
    readOnly,
    volumeID: req(str('EBS volume id.')),
  }),
  type('AzureDiskVolumeSource', 'An Azure data disk.', {
    cachingMode: oneOf(['None', 'ReadOnly', 'ReadWrite'], 'Host caching mode.'),
    diskName: req(str('Name of the data disk.')),
    diskURI: req(str('URI of the data disk.')),
    fsType,
    kind: oneOf(['Shared', 'Dedicated', 'Managed'], 'Kind of disk. Defaults to Shared.'),
    readOnly,
  }),
  type('AzureFileVolumeSource', 'An Azure File share.', {
    readOnly,
    secretName: req(str('Secret with the storage account name and key.')),
    shareName: req(str('Share name.')),
  }),
  type('CephFSVolumeSource', 'A CephFS mount.', {
    monitors: req(strs('Ceph monitor addresses.')),
    path: str('Path in the filesystem to mount; "/" when empty.'),
    readOnly,
    secretFile: str('Path of the keyring on the node. Defaults to /etc/ceph/user.secret.'),
    secretRef: localSecret('the Ceph key'),
    user: str('RADOS user name. Defaults to admin.'),
  }),
  type('CinderVolumeSource', 'An OpenStack Cinder volume.', {
    fsType,
    readOnly,
    secretRef: localSecret('OpenStack credentials'),
    volumeID: req(str('Cinder volume id.')),
  }),
  type('FlexVolumeSource', 'A volume mounted by a FlexVolume driver.', {
    driver: req(str('Name of the driver.')),
    fsType,
    options: strMap('Driver-specific options.'),
    readOnly,
    secretRef: localSecret('data passed to the driver'),
  }),
  type('FlockerVolumeSource', 'A Flocker dataset; set one of the two fields.', {
    datasetName: str('Dataset name.'),
    datasetUUID: str('Dataset UUID.'),
  }),
  type('GitRepoVolumeSource', 'A git repository cloned into an empty directory.', {
    directory: str('Target directory name; "." clones into the volume root.'),
    repository: req(str('Repository URL.')),
    revision: str('Commit hash to check out.'),
  }),
  type('GlusterfsVolumeSource', 'A GlusterFS mount.', {
    endpoints: req(str('Endpoints object naming the Glusterfs servers.')),
    path: req(str('Glusterfs volume path.')),
    readOnly,
  }),
  type('PhotonPersistentDiskVolumeSource', 'A Photon Controller persistent disk.', {
    fsType,
    pdID: req(str('Disk id.')),
  }),
  type('PortworxVolumeSource', 'A Portworx volume.', {
    fsType,
    readOnly,
    volumeID: req(str('Volume id.')),
  }),
  type('QuobyteVolumeSource', 'A Quobyte mount.', {
    group: str('Group the volume is accessed as.'),
    readOnly,
    registry: req(str('Registry services, host:port, comma separated.')),
    tenant: str('Tenant owning the volume.'),
    user: str('User the volume is accessed as.'),
    volume: req(str('Volume name.')),
  }),
  type('RBDVolumeSource', 'A Ceph RBD image.', {
    fsType,
    image: req(str('RBD image name.')),
    keyring: str('Keyring path. Defaults to /etc/ceph/keyring.'),
    monitors: req(strs('Ceph monitor addresses.')),
    pool: str('RADOS pool. Defaults to rbd.'),
    readOnly,
    secretRef: localSecret('the Ceph key'),
    user: str('RADOS user name. Defaults to admin.'),
  }),
  type('ScaleIOVolumeSource', 'A ScaleIO volume.', {
    fsType,
    gateway: req(str('Gateway address.')),
    protectionDomain: str('Protection domain.'),
    readOnly,
    secretRef: req(localSecret('ScaleIO credentials')),
    sslEnabled: bool('Use TLS to the gateway.'),
    storageMode: oneOf(['ThickProvisioned', 'ThinProvisioned'], 'Provisioning mode.'),
    storagePool: str('Storage pool.'),
    system: req(str('Storage system name.')),
    volumeName: str('Existing volume name.'),
  }),
  type('StorageOSVolumeSource', 'A StorageOS volume.', {
    fsType,
    readOnly,
    secretRef: localSecret('StorageOS API credentials'),
    volumeName: str('Volume name within the StorageOS namespace.'),
    volumeNamespace: str('StorageOS namespace; the pod\'s namespace when empty.'),
  }),
  type('VsphereVirtualDiskVolumeSource', 'A vSphere VMDK.', {
    fsType,
    storagePolicyID: str('Storage policy id.'),
    storagePolicyName: str('Storage policy name.'),
    volumePath: req(str('Path of the VMDK.')),
  }),
];
