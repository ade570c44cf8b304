/**
 * A throwaway, supervised containerd for tests: unique cluster prefix, temp data dir, a
 * random /24 pod CIDR that clashes with no host route, its own bridge. `cleanup()` stops it,
 * removes everything and then checks the host: no process, mount, bridge, cgroup, CNI cache
 * file or iptables rule of this instance may be left.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger, type Logger } from '../../src/machinery/log.js';
import { ContainerdSupervisor, type ContainerdSupervisorOptions } from '../../src/agent/runtime/containerd-supervisor.js';
import { cidrsOverlap, parseCidr } from '../../src/agent/runtime/cni-config.js';
import { cgroupDirs, findProcesses, mountsUnder, netDeviceExists } from '../../src/agent/runtime/host.js';
import { CNI_RESULTS_DIR } from '../../src/agent/runtime/cni-cleanup.js';
import type { CriClient } from '../../src/agent/cri/cri-client.js';

export interface TestContainerd {
  supervisor: ContainerdSupervisor;
  /** A CRI client on the instance (closed by cleanup). */
  cri: CriClient;
  dataDir: string;
  clusterName: string;
  podCidr: string;
  bridgeName: string;
  /** Wall time from construction to `ready`. */
  startMs: number;
  /**
   * An agent restart: stops containerd keeping all state (pods keep running), then starts a
   * new supervisor on the same data dir and names. `supervisor` and `cri` are replaced.
   */
  restartKeepingState(): Promise<void>;
  /** Stops with removeState and verifies the host is clean; throws listing leftovers. */
  cleanup(): Promise<void>;
}

/** Third octets of 10.223.X.0/24 already routed on this host (or about to be). */
function pickPodCidr(): string {
  const routes = execFileSync('ip', ['-4', '-o', 'route', 'show', 'table', 'main'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((d) => d && d !== 'default')
    .map((d) => {
      try {
        return parseCidr(d.includes('/') ? d : `${d}/32`);
      } catch {
        return undefined;
      }
    })
    .filter((c) => c !== undefined);
  for (let i = 0; i < 100; i++) {
    const cidr = `10.223.${randomBytes(1)[0]}.0/24`;
    if (!routes.some((r) => cidrsOverlap(parseCidr(cidr), r))) return cidr;
  }
  throw new Error('no free 10.223.X.0/24 for the test pod CIDR');
}

export async function startTestContainerd(options: Partial<Omit<ContainerdSupervisorOptions, 'log'>> & { log?: Logger } = {}): Promise<TestContainerd> {
  const id = randomBytes(3).toString('hex');
  const clusterName = `t${id}`;
  const bridgeName = `orch${id}`;
  const podCidr = pickPodCidr();
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `orch-ctd-${id}-`));
  const supervisorOptions: ContainerdSupervisorOptions = {
    dataDir,
    clusterName,
    podCidr,
    bridgeName,
    removeStateOnStop: true,
    ...options,
    log: options.log ?? silentLogger(),
  };
  let supervisor = new ContainerdSupervisor(supervisorOptions);
  let ac = new AbortController();
  // A test runner dying without cleanup() must not leave containerd behind.
  const killOnExit = () => {
    if (supervisor.pid) process.kill(supervisor.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const t0 = Date.now();
  let running = supervisor.run(ac.signal);
  running.catch(() => undefined);
  try {
    await supervisor.ready;
  } catch (err) {
    await running.catch(() => undefined);
    process.removeListener('exit', killOnExit);
    await fs.promises.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const startMs = Date.now() - t0;
  let cri = supervisor.createCriClient();

  const restartKeepingState = async () => {
    cri.close();
    await supervisor.stop({ removeState: false });
    ac.abort();
    await running; // its stop() is the one above, already done
    supervisor = new ContainerdSupervisor(supervisorOptions);
    ac = new AbortController();
    running = supervisor.run(ac.signal);
    running.catch(() => undefined);
    await supervisor.ready;
    cri = supervisor.createCriClient();
  };

  const cleanup = async () => {
    cri.close();
    ac.abort();
    await running.catch(() => undefined);
    process.removeListener('exit', killOnExit);
    const left: string[] = [];
    // Every check runs, and the data dir goes, whatever fails on the way.
    const check = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        left.push(`${what}: ${(err as Error).message}`);
      }
    };
    try {
      const report = await supervisor.stop({ removeState: true });
      left.push(...report.leftovers);
    } catch (err) {
      left.push(`stop: ${(err as Error).message}`);
    }
    check('processes', () => {
      const procs = findProcesses((argv) => argv.some((a) => a.includes(dataDir)));
      if (procs.length) left.push(`processes ${procs.join(', ')}`);
    });
    check('mounts', () => left.push(...mountsUnder(dataDir).map((m) => `mount ${m}`)));
    check('bridge', () => netDeviceExists(bridgeName) && left.push(`bridge ${bridgeName}`));
    check('cgroups', () => left.push(...cgroupDirs(supervisor.cgroupRoot).map((d) => `cgroup ${d}`)));
    check('cni results', () => {
      if (!fs.existsSync(CNI_RESULTS_DIR)) return;
      for (const f of fs.readdirSync(CNI_RESULTS_DIR)) if (f.startsWith(`${supervisor.networkName}-`)) left.push(`cni result ${f}`);
    });
    const prefix = podCidr.split('.').slice(0, 3).join('.') + '.';
    for (const table of ['filter', 'nat']) {
      check(`iptables ${table}`, () => {
        // A busy host (a proxy benchmark) can have megabytes of rules.
        const rules = execFileSync('iptables', ['-w', '5', '-t', table, '-S'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
        for (const line of rules.split('\n')) {
          if (line.includes(prefix) || line.includes(`"${supervisor.networkName}"`)) left.push(`iptables ${table}: ${line}`);
        }
      });
    }
    if (mountsUnder(dataDir).length === 0) await fs.promises.rm(dataDir, { recursive: true, force: true });
    if (fs.existsSync(dataDir)) left.push(`data dir ${dataDir}`);
    if (left.length) throw new Error(`test containerd ${clusterName} left host state behind:\n  ${left.join('\n  ')}`);
  };
  return {
    get supervisor() {
      return supervisor;
    },
    get cri() {
      return cri;
    },
    dataDir,
    clusterName,
    podCidr,
    bridgeName,
    startMs,
    restartKeepingState,
    cleanup,
  };
}
