import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criMethods, criType, decodeMessage, encodeMessage } from './cri-codec.js';

/**
 * Field numbers of upstream CRI v1 (kubernetes/cri-api pkg/apis/runtime/v1/api.proto),
 * copied by hand from the upstream file: [message, field, number]. A wrong number here or
 * in cri-proto.ts would silently send a field containerd reads as something else.
 */
const UPSTREAM_FIELDS: [string, string, number][] = [
  ['VersionRequest', 'version', 1],
  ['VersionResponse', 'version', 1],
  ['VersionResponse', 'runtime_name', 2],
  ['VersionResponse', 'runtime_version', 3],
  ['VersionResponse', 'runtime_api_version', 4],
  ['DNSConfig', 'servers', 1],
  ['DNSConfig', 'searches', 2],
  ['DNSConfig', 'options', 3],
  ['PortMapping', 'protocol', 1],
  ['PortMapping', 'container_port', 2],
  ['PortMapping', 'host_port', 3],
  ['PortMapping', 'host_ip', 4],
  ['Mount', 'container_path', 1],
  ['Mount', 'host_path', 2],
  ['Mount', 'readonly', 3],
  ['Mount', 'selinux_relabel', 4],
  ['Mount', 'propagation', 5],
  ['NamespaceOption', 'network', 1],
  ['NamespaceOption', 'pid', 2],
  ['NamespaceOption', 'ipc', 3],
  ['NamespaceOption', 'target_id', 4],
  ['Int64Value', 'value', 1],
  ['UInt64Value', 'value', 1],
  ['SELinuxOption', 'user', 1],
  ['SELinuxOption', 'role', 2],
  ['SELinuxOption', 'type', 3],
  ['SELinuxOption', 'level', 4],
  ['SecurityProfile', 'profile_type', 1],
  ['SecurityProfile', 'localhost_ref', 2],
  ['LinuxSandboxSecurityContext', 'namespace_options', 1],
  ['LinuxSandboxSecurityContext', 'selinux_options', 2],
  ['LinuxSandboxSecurityContext', 'run_as_user', 3],
  ['LinuxSandboxSecurityContext', 'readonly_rootfs', 4],
  ['LinuxSandboxSecurityContext', 'supplemental_groups', 5],
  ['LinuxSandboxSecurityContext', 'privileged', 6],
  ['LinuxSandboxSecurityContext', 'run_as_group', 8],
  ['LinuxSandboxSecurityContext', 'seccomp', 9],
  ['LinuxSandboxSecurityContext', 'apparmor', 10],
  ['LinuxContainerResources', 'cpu_period', 1],
  ['LinuxContainerResources', 'cpu_quota', 2],
  ['LinuxContainerResources', 'cpu_shares', 3],
  ['LinuxContainerResources', 'memory_limit_in_bytes', 4],
  ['LinuxContainerResources', 'oom_score_adj', 5],
  ['LinuxContainerResources', 'cpuset_cpus', 6],
  ['LinuxContainerResources', 'cpuset_mems', 7],
  ['LinuxContainerResources', 'unified', 9],
  ['LinuxContainerResources', 'memory_swap_limit_in_bytes', 10],
  ['LinuxPodSandboxConfig', 'cgroup_parent', 1],
  ['LinuxPodSandboxConfig', 'security_context', 2],
  ['LinuxPodSandboxConfig', 'sysctls', 3],
  ['LinuxPodSandboxConfig', 'overhead', 4],
  ['LinuxPodSandboxConfig', 'resources', 5],
  ['PodSandboxMetadata', 'name', 1],
  ['PodSandboxMetadata', 'uid', 2],
  ['PodSandboxMetadata', 'namespace', 3],
  ['PodSandboxMetadata', 'attempt', 4],
  ['PodSandboxConfig', 'metadata', 1],
  ['PodSandboxConfig', 'hostname', 2],
  ['PodSandboxConfig', 'log_directory', 3],
  ['PodSandboxConfig', 'dns_config', 4],
  ['PodSandboxConfig', 'port_mappings', 5],
  ['PodSandboxConfig', 'labels', 6],
  ['PodSandboxConfig', 'annotations', 7],
  ['PodSandboxConfig', 'linux', 8],
  ['RunPodSandboxRequest', 'config', 1],
  ['RunPodSandboxRequest', 'runtime_handler', 2],
  ['RunPodSandboxResponse', 'pod_sandbox_id', 1],
  ['StopPodSandboxRequest', 'pod_sandbox_id', 1],
  ['RemovePodSandboxRequest', 'pod_sandbox_id', 1],
  ['PodSandboxStatusRequest', 'pod_sandbox_id', 1],
  ['PodSandboxStatusRequest', 'verbose', 2],
  ['PodIP', 'ip', 1],
  ['PodSandboxNetworkStatus', 'ip', 1],
  ['PodSandboxNetworkStatus', 'additional_ips', 2],
  ['Namespace', 'options', 2],
  ['LinuxPodSandboxStatus', 'namespaces', 1],
  ['PodSandboxStatus', 'id', 1],
  ['PodSandboxStatus', 'metadata', 2],
  ['PodSandboxStatus', 'state', 3],
  ['PodSandboxStatus', 'created_at', 4],
  ['PodSandboxStatus', 'network', 5],
  ['PodSandboxStatus', 'linux', 6],
  ['PodSandboxStatus', 'labels', 7],
  ['PodSandboxStatus', 'annotations', 8],
  ['PodSandboxStatus', 'runtime_handler', 9],
  ['PodSandboxStatusResponse', 'status', 1],
  ['PodSandboxStatusResponse', 'info', 2],
  ['PodSandboxStatusResponse', 'containers_statuses', 3],
  ['PodSandboxStatusResponse', 'timestamp', 4],
  ['PodSandboxStateValue', 'state', 1],
  ['PodSandboxFilter', 'id', 1],
  ['PodSandboxFilter', 'state', 2],
  ['PodSandboxFilter', 'label_selector', 3],
  ['ListPodSandboxRequest', 'filter', 1],
  ['PodSandbox', 'id', 1],
  ['PodSandbox', 'metadata', 2],
  ['PodSandbox', 'state', 3],
  ['PodSandbox', 'created_at', 4],
  ['PodSandbox', 'labels', 5],
  ['PodSandbox', 'annotations', 6],
  ['PodSandbox', 'runtime_handler', 7],
  ['ListPodSandboxResponse', 'items', 1],
  ['ImageSpec', 'image', 1],
  ['ImageSpec', 'annotations', 2],
  ['KeyValue', 'key', 1],
  ['KeyValue', 'value', 2],
  ['Capability', 'add_capabilities', 1],
  ['Capability', 'drop_capabilities', 2],
  ['Capability', 'add_ambient_capabilities', 3],
  ['LinuxContainerSecurityContext', 'capabilities', 1],
  ['LinuxContainerSecurityContext', 'privileged', 2],
  ['LinuxContainerSecurityContext', 'namespace_options', 3],
  ['LinuxContainerSecurityContext', 'selinux_options', 4],
  ['LinuxContainerSecurityContext', 'run_as_user', 5],
  ['LinuxContainerSecurityContext', 'run_as_username', 6],
  ['LinuxContainerSecurityContext', 'readonly_rootfs', 7],
  ['LinuxContainerSecurityContext', 'supplemental_groups', 8],
  ['LinuxContainerSecurityContext', 'no_new_privs', 11],
  ['LinuxContainerSecurityContext', 'run_as_group', 12],
  ['LinuxContainerSecurityContext', 'masked_paths', 13],
  ['LinuxContainerSecurityContext', 'readonly_paths', 14],
  ['LinuxContainerSecurityContext', 'seccomp', 15],
  ['LinuxContainerSecurityContext', 'apparmor', 16],
  ['LinuxContainerConfig', 'resources', 1],
  ['LinuxContainerConfig', 'security_context', 2],
  ['ContainerMetadata', 'name', 1],
  ['ContainerMetadata', 'attempt', 2],
  ['Device', 'container_path', 1],
  ['Device', 'host_path', 2],
  ['Device', 'permissions', 3],
  ['ContainerConfig', 'metadata', 1],
  ['ContainerConfig', 'image', 2],
  ['ContainerConfig', 'command', 3],
  ['ContainerConfig', 'args', 4],
  ['ContainerConfig', 'working_dir', 5],
  ['ContainerConfig', 'envs', 6],
  ['ContainerConfig', 'mounts', 7],
  ['ContainerConfig', 'devices', 8],
  ['ContainerConfig', 'labels', 9],
  ['ContainerConfig', 'annotations', 10],
  ['ContainerConfig', 'log_path', 11],
  ['ContainerConfig', 'stdin', 12],
  ['ContainerConfig', 'stdin_once', 13],
  ['ContainerConfig', 'tty', 14],
  ['ContainerConfig', 'linux', 15],
  ['CreateContainerRequest', 'pod_sandbox_id', 1],
  ['CreateContainerRequest', 'config', 2],
  ['CreateContainerRequest', 'sandbox_config', 3],
  ['CreateContainerResponse', 'container_id', 1],
  ['StartContainerRequest', 'container_id', 1],
  ['StopContainerRequest', 'container_id', 1],
  ['StopContainerRequest', 'timeout', 2],
  ['RemoveContainerRequest', 'container_id', 1],
  ['ContainerStateValue', 'state', 1],
  ['ContainerFilter', 'id', 1],
  ['ContainerFilter', 'state', 2],
  ['ContainerFilter', 'pod_sandbox_id', 3],
  ['ContainerFilter', 'label_selector', 4],
  ['ListContainersRequest', 'filter', 1],
  ['Container', 'id', 1],
  ['Container', 'pod_sandbox_id', 2],
  ['Container', 'metadata', 3],
  ['Container', 'image', 4],
  ['Container', 'image_ref', 5],
  ['Container', 'state', 6],
  ['Container', 'created_at', 7],
  ['Container', 'labels', 8],
  ['Container', 'annotations', 9],
  ['Container', 'image_id', 10],
  ['ListContainersResponse', 'containers', 1],
  ['ContainerStatusRequest', 'container_id', 1],
  ['ContainerStatusRequest', 'verbose', 2],
  ['ContainerResources', 'linux', 1],
  ['ContainerStatus', 'id', 1],
  ['ContainerStatus', 'metadata', 2],
  ['ContainerStatus', 'state', 3],
  ['ContainerStatus', 'created_at', 4],
  ['ContainerStatus', 'started_at', 5],
  ['ContainerStatus', 'finished_at', 6],
  ['ContainerStatus', 'exit_code', 7],
  ['ContainerStatus', 'image', 8],
  ['ContainerStatus', 'image_ref', 9],
  ['ContainerStatus', 'reason', 10],
  ['ContainerStatus', 'message', 11],
  ['ContainerStatus', 'labels', 12],
  ['ContainerStatus', 'annotations', 13],
  ['ContainerStatus', 'mounts', 14],
  ['ContainerStatus', 'log_path', 15],
  ['ContainerStatus', 'resources', 16],
  ['ContainerStatus', 'image_id', 17],
  ['ContainerStatusResponse', 'status', 1],
  ['ContainerStatusResponse', 'info', 2],
  ['UpdateContainerResourcesRequest', 'container_id', 1],
  ['UpdateContainerResourcesRequest', 'linux', 2],
  ['UpdateContainerResourcesRequest', 'annotations', 4],
  ['ReopenContainerLogRequest', 'container_id', 1],
  ['ExecSyncRequest', 'container_id', 1],
  ['ExecSyncRequest', 'cmd', 2],
  ['ExecSyncRequest', 'timeout', 3],
  ['ExecSyncResponse', 'stdout', 1],
  ['ExecSyncResponse', 'stderr', 2],
  ['ExecSyncResponse', 'exit_code', 3],
  ['ExecRequest', 'container_id', 1],
  ['ExecRequest', 'cmd', 2],
  ['ExecRequest', 'tty', 3],
  ['ExecRequest', 'stdin', 4],
  ['ExecRequest', 'stdout', 5],
  ['ExecRequest', 'stderr', 6],
  ['ExecResponse', 'url', 1],
  ['AttachRequest', 'container_id', 1],
  ['AttachRequest', 'stdin', 2],
  ['AttachRequest', 'tty', 3],
  ['AttachRequest', 'stdout', 4],
  ['AttachRequest', 'stderr', 5],
  ['AttachResponse', 'url', 1],
  ['PortForwardRequest', 'pod_sandbox_id', 1],
  ['PortForwardRequest', 'port', 2],
  ['PortForwardResponse', 'url', 1],
  ['RuntimeCondition', 'type', 1],
  ['RuntimeCondition', 'status', 2],
  ['RuntimeCondition', 'reason', 3],
  ['RuntimeCondition', 'message', 4],
  ['RuntimeStatus', 'conditions', 1],
  ['StatusRequest', 'verbose', 1],
  ['StatusResponse', 'status', 1],
  ['StatusResponse', 'info', 2],
  ['ImageFilter', 'image', 1],
  ['ListImagesRequest', 'filter', 1],
  ['Image', 'id', 1],
  ['Image', 'repo_tags', 2],
  ['Image', 'repo_digests', 3],
  ['Image', 'size', 4],
  ['Image', 'uid', 5],
  ['Image', 'username', 6],
  ['Image', 'spec', 7],
  ['Image', 'pinned', 8],
  ['ListImagesResponse', 'images', 1],
  ['ImageStatusRequest', 'image', 1],
  ['ImageStatusRequest', 'verbose', 2],
  ['ImageStatusResponse', 'image', 1],
  ['ImageStatusResponse', 'info', 2],
  ['AuthConfig', 'username', 1],
  ['AuthConfig', 'password', 2],
  ['AuthConfig', 'auth', 3],
  ['AuthConfig', 'server_address', 4],
  ['AuthConfig', 'identity_token', 5],
  ['AuthConfig', 'registry_token', 6],
  ['PullImageRequest', 'image', 1],
  ['PullImageRequest', 'auth', 2],
  ['PullImageRequest', 'sandbox_config', 3],
  ['PullImageResponse', 'image_ref', 1],
  ['RemoveImageRequest', 'image', 1],
  ['FilesystemIdentifier', 'mountpoint', 1],
  ['FilesystemUsage', 'timestamp', 1],
  ['FilesystemUsage', 'fs_id', 2],
  ['FilesystemUsage', 'used_bytes', 3],
  ['FilesystemUsage', 'inodes_used', 4],
  ['ImageFsInfoResponse', 'image_filesystems', 1],
  ['ImageFsInfoResponse', 'container_filesystems', 2],
];

/** Upstream enum values: [enum, name, number]. */
const UPSTREAM_ENUMS: [string, string, number][] = [
  ['Protocol', 'TCP', 0],
  ['Protocol', 'UDP', 1],
  ['Protocol', 'SCTP', 2],
  ['MountPropagation', 'PROPAGATION_PRIVATE', 0],
  ['MountPropagation', 'PROPAGATION_HOST_TO_CONTAINER', 1],
  ['MountPropagation', 'PROPAGATION_BIDIRECTIONAL', 2],
  ['NamespaceMode', 'POD', 0],
  ['NamespaceMode', 'CONTAINER', 1],
  ['NamespaceMode', 'NODE', 2],
  ['NamespaceMode', 'TARGET', 3],
  ['PodSandboxState', 'SANDBOX_READY', 0],
  ['PodSandboxState', 'SANDBOX_NOTREADY', 1],
  ['ContainerState', 'CONTAINER_CREATED', 0],
  ['ContainerState', 'CONTAINER_RUNNING', 1],
  ['ContainerState', 'CONTAINER_EXITED', 2],
  ['ContainerState', 'CONTAINER_UNKNOWN', 3],
  ['SecurityProfile.ProfileType', 'RuntimeDefault', 0],
  ['SecurityProfile.ProfileType', 'Unconfined', 1],
  ['SecurityProfile.ProfileType', 'Localhost', 2],
];

test('every field of the subset has the upstream CRI v1 field number', () => {
  const wrong: string[] = [];
  for (const [message, field, number] of UPSTREAM_FIELDS) {
    const f = criType(message).fields[field];
    if (!f) wrong.push(`${message}.${field}: missing`);
    else if (f.id !== number) wrong.push(`${message}.${field}: ${f.id}, upstream ${number}`);
  }
  assert.deepEqual(wrong, []);
});

test('every field of the subset is in the upstream table (nothing unchecked)', () => {
  const listed = new Set(UPSTREAM_FIELDS.map(([m, f]) => `${m}.${f}`));
  const unchecked: string[] = [];
  for (const message of new Set(UPSTREAM_FIELDS.map(([m]) => m))) {
    for (const name of Object.keys(criType(message).fields)) if (!listed.has(`${message}.${name}`)) unchecked.push(`${message}.${name}`);
  }
  assert.deepEqual(unchecked, []);
});

test('every enum value has the upstream number', async () => {
  const { criRoot } = await import('./cri-codec.js');
  for (const [name, value, number] of UPSTREAM_ENUMS) {
    const e = criRoot().lookupEnum(`runtime.v1.${name}`);
    assert.equal(e.values[value], number, `${name}.${value}`);
  }
});

test('the services carry the methods the agent uses, with gRPC paths', () => {
  const m = criMethods();
  for (const name of [
    'Version', 'RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'PodSandboxStatus', 'ListPodSandbox', 'CreateContainer',
    'StartContainer', 'StopContainer', 'RemoveContainer', 'ListContainers', 'ContainerStatus', 'ExecSync', 'Exec', 'Attach',
    'PortForward', 'ReopenContainerLog', 'UpdateContainerResources', 'Status',
  ]) {
    assert.equal(m.get(name)?.path, `/runtime.v1.RuntimeService/${name}`, name);
  }
  for (const name of ['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage', 'ImageFsInfo']) {
    assert.equal(m.get(name)?.path, `/runtime.v1.ImageService/${name}`, name);
  }
  assert.equal(m.get('RunPodSandbox')?.requestType, 'RunPodSandboxRequest');
});

test('a full CreateContainerRequest survives encode and decode', () => {
  const req = {
    pod_sandbox_id: 'abc',
    config: {
      metadata: { name: 'web', attempt: 2 },
      image: { image: 'orch.local/busybox:1', annotations: {} },
      command: ['httpd'],
      args: ['-f', '-p', '8080'],
      working_dir: '/var/www',
      envs: [{ key: 'A', value: 'b' }],
      mounts: [{ container_path: '/data', host_path: '/tmp/x', readonly: true, selinux_relabel: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
      devices: [{ container_path: '/dev/fuse', host_path: '/dev/fuse', permissions: 'rwm' }],
      labels: { app: 'web' },
      annotations: { 'orch.io/hash': '1' },
      log_path: 'web/2.log',
      stdin: false,
      stdin_once: false,
      tty: true,
      linux: {
        resources: {
          cpu_period: '100000', cpu_quota: '50000', cpu_shares: '512', memory_limit_in_bytes: '9223372036854775807', oom_score_adj: '-997',
          cpuset_cpus: '', cpuset_mems: '', unified: {}, memory_swap_limit_in_bytes: '0',
        },
        security_context: {
          capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'], add_ambient_capabilities: [] },
          privileged: false,
          namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD', target_id: '' },
          selinux_options: null,
          run_as_user: { value: '1000' },
          run_as_group: { value: '1000' },
          run_as_username: '',
          readonly_rootfs: true,
          supplemental_groups: ['5', '6'],
          no_new_privs: true,
          masked_paths: ['/proc/kcore'],
          readonly_paths: ['/proc/sys'],
          seccomp: { profile_type: 'RuntimeDefault', localhost_ref: '' },
          apparmor: null,
        },
      },
    },
    sandbox_config: {
      metadata: { name: 'p', uid: 'u', namespace: 'default', attempt: 0 },
      hostname: 'p',
      log_directory: '/var/log/pods/default_p_u',
      dns_config: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      port_mappings: [{ protocol: 'UDP', container_port: 53, host_port: 5353, host_ip: '127.0.0.1' }],
      labels: { a: 'b' },
      annotations: { c: 'd' },
      linux: {
        cgroup_parent: '/orch-x/podu',
        security_context: {
          namespace_options: { network: 'NODE', pid: 'POD', ipc: 'POD', target_id: '' },
          selinux_options: null,
          run_as_user: null,
          run_as_group: null,
          readonly_rootfs: false,
          supplemental_groups: [],
          privileged: false,
          seccomp: null,
          apparmor: null,
        },
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        overhead: null,
        resources: null,
      },
    },
  };
  const back = decodeMessage<any>('CreateContainerRequest', encodeMessage('CreateContainerRequest', req));
  assert.deepEqual(back, req);
});

test('int64 values beyond 2^53 keep every digit', () => {
  const status = { id: 'c', created_at: '1732700000123456789', started_at: '1732700000987654321', finished_at: '0', exit_code: -1 };
  const back = decodeMessage<any>('ContainerStatus', encodeMessage('ContainerStatus', status));
  assert.equal(back.created_at, '1732700000123456789');
  assert.equal(back.started_at, '1732700000987654321');
  assert.equal(back.exit_code, -1);
  assert.equal(back.state, 'CONTAINER_CREATED');
  assert.equal(back.metadata, null, 'absent messages decode as null');
  assert.deepEqual(back.mounts, []);
  assert.deepEqual(back.labels, {});
});

test('an ImageStatus answer without an image decodes to image: null', () => {
  assert.deepEqual(decodeMessage('ImageStatusResponse', Buffer.alloc(0)), { image: null, info: {} });
});

test('ExecSync output is bytes', () => {
  const back = decodeMessage<any>('ExecSyncResponse', encodeMessage('ExecSyncResponse', { stdout: Buffer.from('hi\n'), stderr: Buffer.from([0xff, 0]), exit_code: 3 }));
  assert.equal(Buffer.from(back.stdout).toString(), 'hi\n');
  assert.deepEqual([...back.stderr], [0xff, 0]);
  assert.equal(back.exit_code, 3);
});

test('the encoding of a known message is byte-exact (field 1 string, field 4 varint)', () => {
  // PodSandboxMetadata{name:"a", attempt:1} -> 0a 01 61 | 20 01
  assert.deepEqual([...encodeMessage('PodSandboxMetadata', { name: 'a', attempt: 1 })], [0x0a, 0x01, 0x61, 0x20, 0x01]);
  // NamespaceOption{pid: CONTAINER} -> field 2 varint 1
  assert.deepEqual([...encodeMessage('NamespaceOption', { pid: 'CONTAINER' })], [0x10, 0x01]);
});
