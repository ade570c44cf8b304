/**
 * Where everything of one orch containerd lives. All under the agent's data dir, so two
 * instances (or a system containerd) never share a file: the socket, root, state, runc
 * root, CNI config and IPAM store, registry hosts, pod logs.
 */
import path from 'node:path';

export interface RuntimePaths {
  /** `<dataDir>/containerd`: config, root, state, socket, logs of containerd. */
  containerdDir: string;
  config: string;
  root: string;
  state: string;
  /** containerd's gRPC socket (the CRI endpoint and ctr's --address). */
  socket: string;
  ttrpcSocket: string;
  opt: string;
  /** runc's state root (the default /run/runc is shared by every containerd on the host). */
  runcRoot: string;
  /** Root of the legacy v1 runtime plugin; unused but kept off shared paths. */
  runcV1Root: string;
  /** Registry `config_path`: `<host>/hosts.toml` files. */
  registryHosts: string;
  /** containerd's stdout/stderr. */
  log: string;
  pidFile: string;
  /** What the host looked like before this instance first touched it (see host-state.ts). */
  hostState: string;
  /** Generated images (pause) waiting to be imported. */
  builtImages: string;
  /** `<dataDir>/cni`: conflist dir and the host-local IPAM store. */
  cniDir: string;
  cniConfDir: string;
  cniConfFile: string;
  cniIpamDir: string;
  /** `<dataDir>/pods`: the root of every pod's `log_directory`. */
  podLogs: string;
}

/** The layout under an (absolute) data dir. */
export function runtimePaths(dataDir: string): RuntimePaths {
  const base = path.resolve(dataDir);
  const c = path.join(base, 'containerd');
  const cni = path.join(base, 'cni');
  return {
    containerdDir: c,
    config: path.join(c, 'config.toml'),
    root: path.join(c, 'root'),
    state: path.join(c, 'state'),
    socket: path.join(c, 'containerd.sock'),
    ttrpcSocket: path.join(c, 'containerd.sock.ttrpc'),
    opt: path.join(c, 'opt'),
    runcRoot: path.join(c, 'runc'),
    runcV1Root: path.join(c, 'runc-v1'),
    registryHosts: path.join(c, 'certs.d'),
    log: path.join(c, 'containerd.log'),
    pidFile: path.join(c, 'containerd.pid'),
    hostState: path.join(c, 'host-state.json'),
    builtImages: path.join(c, 'images'),
    cniDir: cni,
    cniConfDir: path.join(cni, 'net.d'),
    cniConfFile: path.join(cni, 'net.d', '10-orch.conflist'),
    cniIpamDir: path.join(cni, 'ipam'),
    podLogs: path.join(base, 'pods'),
  };
}

/** Longest path a unix socket address takes (sun_path is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH = 107;
