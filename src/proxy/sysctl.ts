/**
 * The one sysctl the proxy changes: net.ipv4.conf.all.route_localnet, which lets packets
 * with a 127.0.0.0/8 source or destination be routed off the loopback device. Node ports on
 * 127.0.0.1 need it (the DNAT sends a packet from 127.0.0.1 out to a pod), as kube-proxy
 * sets it when its node-port addresses include loopback. Turned on only if it was off, and
 * put back on shutdown.
 */
import { readFile, writeFile } from 'node:fs/promises';

export const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';

export interface Sysctl {
  get(path: string): Promise<string>;
  set(path: string, value: string): Promise<void>;
}

export const procSysctl: Sysctl = {
  async get(path) {
    return (await readFile(path, 'utf8')).trim();
  },
  async set(path, value) {
    await writeFile(path, `${value}\n`);
  },
};
