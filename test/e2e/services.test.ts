/**
 * Service networking end to end: the real `orch` binary with its local node (real
 * containerd, CNI bridge, iptables proxy, cluster DNS, ingress) driven by the real kubectl.
 * Backends are busybox httpd pods whose page names their app and pod, so a response tells
 * which Service and which replica answered.
 *
 * Traffic stays on the machine: the test reaches 127.0.0.1 (node ports, ingress) and pods
 * through `kubectl exec`; cluster DNS forwards other names to a stub resolver this test runs
 * on 127.0.0.1.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isolatedNodeArgs, startOrchServer, type IsolatedNode, type OrchServer } from '../support/orch-process.js';
import { sh } from '../support/netns.js';

const canRun = process.getuid?.() === 0 && hasCommand('containerd') && hasCommand('iptables-save') && hasCommand('openssl');
const IMAGE = 'orch.local/busybox:1';
/** What the stub upstream answers for every name: an address from TEST-NET-2, never dialled. */
const UPSTREAM_ANSWER = '198.51.100.7';

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One HTTP exchange on a new connection; rejects on any network error or timeout. */
function get(port: number, opts: { path?: string; host?: string; tls?: { ca: string; servername: string }; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = opts.tls ? https : http;
    const req = mod.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        headers: { connection: 'close', ...(opts.host ? { host: opts.host } : {}) },
        agent: false,
        ...(opts.tls ? { ca: opts.tls.ca, servername: opts.tls.servername } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A TCP connect to 127.0.0.1:port: 'refused', 'open' or 'timeout'. */
function probeConnect(port: number, timeoutMs = 3000): Promise<'refused' | 'open' | 'timeout'> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve('open');
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve('refused');
    });
  });
}

/** A resolver on 127.0.0.1 answering every A question with UPSTREAM_ANSWER (the host's stand-in upstream). */
function startStubUpstream(): Promise<{ port: number; queries: string[]; close(): void }> {
  return new Promise((resolve) => {
    const queries: string[] = [];
    const sock: Socket = createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      // Question name: labels from offset 12 to the zero byte.
      let o = 12;
      const labels: string[] = [];
      while (o < msg.length && msg[o] !== 0) {
        labels.push(msg.toString('latin1', o + 1, o + 1 + msg[o]));
        o += msg[o] + 1;
      }
      const qtype = msg.readUInt16BE(o + 1);
      queries.push(labels.join('.'));
      const question = msg.subarray(12, o + 5);
      const header = Buffer.alloc(12);
      msg.copy(header, 0, 0, 2);
      header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, NOERROR
      header.writeUInt16BE(1, 4);
      const answer = qtype === 1 ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...UPSTREAM_ANSWER.split('.').map(Number)]) : Buffer.alloc(0);
      header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
      sock.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
    });
    sock.bind(0, '127.0.0.1', () => resolve({ port: sock.address().port, queries, close: () => sock.close() }));
  });
}

/** An httpd Deployment whose pages (/, /web/, /api/) say `<app> <pod name>`. */
function httpDeployment(app: string, replicas: number, env: Record<string, string> = {}): object {
  const script = `mkdir -p /www/web /www/api && for d in /www /www/web /www/api; do echo "${app} $(hostname)" > $d/index.html; done && exec httpd -f -p 80 -h /www`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'httpd',
              image: IMAGE,
              command: ['sh', '-c', script],
              env: Object.entries(env).map(([name, value]) => ({ name, value })),
              ports: [{ name: 'http', containerPort: 80 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              // What Kubernetes users do for zero-downtime rollouts: keep serving while the
              // endpoint removal reaches every proxy, then stop.
              lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } },
            },
          ],
        },
      },
    },
  };
}

function service(name: string, spec: object): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
}

describe('service networking end to end (orch server, containerd, kubectl)', { skip: canRun ? false : 'needs root, containerd, iptables and openssl' }, () => {
  let s: OrchServer;
  let node: IsolatedNode;
  let upstream: Awaited<ReturnType<typeof startStubUpstream>>;
  let nodePort: number;
  let lbPort: number;
  let tlsDir: string;
  let bridge: string;
  let chainPrefix: string;
  /** Where cluster DNS answers: the node bridge's gateway. */
  let dnsAddress: string;

  const k = async (...args: string[]) => {
    const r = await s.kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}\n--- server output:\n${s.output().slice(-3000)}`);
    return r.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await k(...args, '-o', 'json'));
  const apply = async (...objs: object[]) => {
    const r = await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) });
    assert.equal(r.code, 0, `kubectl apply failed:\n${r.stderr}${r.stdout}`);
  };
  /**
   * Runs a command in the client pod; its exit code and output. (busybox 1.35's `wget -T`
   * crashes, so commands bound their time with `timeout` instead.)
   */
  const inClient = (cmd: string) => s.kubectl(['exec', 'client', '--', 'sh', '-c', cmd]);
  const readyPods = async (app: string) =>
    ((await json('get', 'pods', '-l', `app=${app}`)).items as any[]).filter(
      (p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
    );
  const waitReady = (app: string, n: number) => until(`${n} ready ${app} pods`, async () => (await readyPods(app)).length === n && (await json('get', 'pods', '-l', `app=${app}`)).items.length === n, 120_000, 500);

  before(async () => {
    upstream = await startStubUpstream();
    node = await isolatedNodeArgs({ dnsUpstream: `127.0.0.1:${upstream.port}` });
    bridge = node.args[node.args.indexOf('--bridge-name') + 1];
    chainPrefix = node.args[node.args.indexOf('--proxy-chain-prefix') + 1];
    nodePort = node.nodePortRange[0] + 3;
    s = await startOrchServer({ nodeArgs: node.args });
    await until('the node to be Ready', async () => {
      const n = await json('get', 'node', node.nodeName);
      return n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    }, 120_000, 500);
    await apply(
      httpDeployment('web', 3),
      httpDeployment('api', 2),
      service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] }),
      service('web-headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }),
      service('web-np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80, nodePort }] }),
      service('api', { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 'http' }] }),
      service('docs', { type: 'ExternalName', externalName: 'docs.example.test' }),
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] } },
    );
    await waitReady('web', 3);
    await waitReady('api', 2);
    await until('the client pod to run', async () => (await json('get', 'pod', 'client')).status?.phase === 'Running', 120_000, 500);
  });

  after(async () => {
    await s?.cleanup();
    upstream?.close();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  it('publishes kube-dns at the cluster DNS address and the default IngressClass', async () => {
    const svc = await json('get', 'service', 'kube-dns', '-n', 'kube-system');
    const clusterDns = (await k('exec', 'client', '--', 'cat', '/etc/resolv.conf')).match(/nameserver (\S+)/)?.[1];
    assert.equal(svc.spec.clusterIP, clusterDns);
    assert.equal(svc.metadata.labels['k8s-app'], 'kube-dns');
    assert.deepEqual(svc.spec.ports.map((p: any) => `${p.name}/${p.port}/${p.protocol}`).sort(), ['dns-tcp/53/TCP', 'dns/53/UDP']);
    const [slice] = (await json('get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns')).items;
    dnsAddress = slice.endpoints[0].addresses[0];
    assert.equal(slice.endpoints[0].conditions.ready, true);
    // The bridge's gateway: inside the cluster CIDR, not on a public interface.
    assert.ok((await sh('ip', '-4', '-o', 'addr', 'show', 'dev', bridge)).includes(`inet ${dnsAddress}/`));
    const ic = await json('get', 'ingressclass', 'orch');
    assert.equal(ic.spec.controller, 'orch.io/ingress');
    assert.equal(ic.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
  });

  it('reaches a ClusterIP Service from a pod by its full and short DNS names', async () => {
    const full = await until('web by full name', async () => {
      const r = await inClient('timeout 5 wget -qO- http://web.default.svc.cluster.local:8080');
      return r.code === 0 && r.stdout;
    }, 30_000, 1000);
    assert.match(full, /^web web-/);
    const short = await inClient('timeout 5 wget -qO- http://web:8080');
    assert.equal(short.code, 0, short.stderr);
    assert.match(short.stdout, /^web web-/);
  });

  it('resolves a headless Service to its pod IPs, ExternalName to a CNAME, other names upstream', async () => {
    const podIps = (await readyPods('web')).map((p) => p.status.podIP).sort();
    const r = await inClient('nslookup web-headless.default.svc.cluster.local');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    // One `Name:`/`Address:` pair per record; the server's own line carries its port (:53).
    const answered = [...r.stdout.matchAll(/^Address:\s+(\d+\.\d+\.\d+\.\d+)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(answered, podIps);
    const cname = await inClient('nslookup -type=CNAME docs.default.svc.cluster.local');
    assert.match(cname.stdout, /canonical name = docs\.example\.test/);
    // Outside the cluster domain: the configured upstream (the stub on 127.0.0.1) answers.
    const out = await inClient('nslookup outside.example.test');
    assert.match(out.stdout, new RegExp(UPSTREAM_ANSWER.replace(/\./g, '\\.')));
    assert.ok(upstream.queries.includes('outside.example.test'), `upstream saw ${upstream.queries.join(', ')}`);
    const missing = await inClient('nslookup nothere.default.svc.cluster.local');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
  });

  it('reaches hand-made Endpoints through a Service without a selector (mirrored into a slice)', async () => {
    const [pod] = await readyPods('api');
    await apply(service('manual', { ports: [{ name: 'http', port: 8080, targetPort: 80 }] }), {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual', namespace: 'default' },
      subsets: [{ addresses: [{ ip: pod.status.podIP }], ports: [{ name: 'http', port: 80 }] }],
    });
    const body = await until('the manual Service to answer', async () => {
      const r = await inClient('timeout 5 wget -qO- http://manual:8080');
      return r.code === 0 && r.stdout;
    }, 30_000, 1000);
    assert.equal(body.trim(), `api ${pod.metadata.name}`);
  });

  it('balances a NodePort on 127.0.0.1 over all replicas', async () => {
    const pods = new Set((await readyPods('web')).map((p) => p.metadata.name));
    const seen = new Set<string>();
    await until('every replica behind the NodePort', async () => {
      const r = await get(nodePort);
      assert.equal(r.status, 200);
      seen.add(r.body.trim().split(' ')[1]);
      return [...pods].every((p) => seen.has(p));
    }, 60_000, 20);
    assert.deepEqual([...seen].sort(), [...pods].sort());
  });

  it('gives a LoadBalancer Service the node address, ServiceLB style; a second one on that port stays pending', async () => {
    lbPort = await freePort();
    await apply(
      service('web-lb', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: lbPort, targetPort: 'http' }] }),
    );
    const ip = await until('the LoadBalancer address', async () => (await json('get', 'service', 'web-lb')).status?.loadBalancer?.ingress?.[0]?.ip, 30_000);
    assert.equal(ip, '127.0.0.1');
    const r = await until('the LoadBalancer port to answer', async () => (await get(lbPort).catch(() => undefined))?.status === 200 && (await get(lbPort)), 30_000);
    assert.match(r.body, /^web web-/);
    await apply(service('web-lb2', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: lbPort, targetPort: 'http' }] }));
    const ev = await until('a PortInUse event', async () => ((await json('get', 'events')).items as any[]).find((e) => e.involvedObject?.name === 'web-lb2' && e.reason === 'PortInUse'), 30_000);
    assert.match(ev.message, /web-lb/);
    assert.equal((await json('get', 'service', 'web-lb2')).status?.loadBalancer?.ingress, undefined);
    // The first one's going frees the port for the second.
    await k('delete', 'service', 'web-lb');
    assert.equal(await until('the second LoadBalancer address', async () => (await json('get', 'service', 'web-lb2')).status?.loadBalancer?.ingress?.[0]?.ip, 30_000), '127.0.0.1');
    // No longer a LoadBalancer: the address goes back. (The type-dependent fields are
    // cleared by hand: orch's API server does not drop them on a type change as Kubernetes does.)
    const toClusterIP = { spec: { type: 'ClusterIP', allocateLoadBalancerNodePorts: null, externalTrafficPolicy: null, ports: [{ port: lbPort, targetPort: 'http' }] } };
    await k('patch', 'service', 'web-lb2', '--type=merge', '-p', JSON.stringify(toClusterIP));
    await until('the address taken back', async () => !(await json('get', 'service', 'web-lb2')).status?.loadBalancer?.ingress?.length, 30_000);
  });

  it('routes an Ingress by host and path, over HTTP and HTTPS with a TLS Secret', async () => {
    tlsDir = mkdtempSync(join(tmpdir(), 'orch-e2e-tls-'));
    const key = join(tlsDir, 'tls.key');
    const crt = join(tlsDir, 'tls.crt');
    await sh('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=a.example.test', '-addext', 'subjectAltName=DNS:a.example.test,DNS:b.example.test', '-keyout', key, '-out', crt);
    await k('create', 'secret', 'tls', 'example-tls', `--cert=${crt}`, `--key=${key}`);
    const ca = readFileSync(crt, 'utf8');
    const backend = (name: string, port: number) => ({ service: { name, port: { number: port } } });
    await apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'example', namespace: 'default' },
      spec: {
        tls: [{ hosts: ['a.example.test', 'b.example.test'], secretName: 'example-tls' }],
        rules: [
          { host: 'a.example.test', http: { paths: [
            { path: '/web', pathType: 'Prefix', backend: backend('web', 8080) },
            { path: '/api', pathType: 'Prefix', backend: backend('api', 80) },
          ] } },
          { host: 'b.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('api', 80) }] } },
        ],
      },
    });
    const http80 = node.ingressHttpPort;
    const tls443 = node.ingressHttpsPort;
    await until('the Ingress to route', async () => (await get(http80, { host: 'a.example.test', path: '/web/' })).status === 200, 30_000);
    assert.match((await get(http80, { host: 'a.example.test', path: '/web/' })).body, /^web web-/);
    assert.match((await get(http80, { host: 'a.example.test', path: '/api/' })).body, /^api api-/);
    assert.match((await get(http80, { host: 'b.example.test', path: '/' })).body, /^api api-/);
    assert.equal((await get(http80, { host: 'a.example.test', path: '/other' })).status, 404);
    assert.equal((await get(http80, { host: 'c.example.test', path: '/' })).status, 404);
    // HTTPS: the certificate from the Secret is chosen by SNI and verifies against itself.
    assert.match((await get(tls443, { host: 'a.example.test', path: '/web/', tls: { ca, servername: 'a.example.test' } })).body, /^web web-/);
    assert.match((await get(tls443, { host: 'b.example.test', path: '/', tls: { ca, servername: 'b.example.test' } })).body, /^api api-/);
    const ing = await until('the Ingress status address', async () => (await json('get', 'ingress', 'example')).status?.loadBalancer?.ingress?.[0]?.ip, 30_000);
    assert.equal(ing, '127.0.0.1');
  });

  it('keeps serving without a single failed request through a rolling update', async (t) => {
    const before = new Set((await readyPods('web')).map((p) => p.metadata.name));
    // Inside the cluster: a pod looping over the ClusterIP by name, counting failures.
    const inPod = inClient('ok=0; fail=0; end=$(( $(date +%s) + 40 )); while [ $(date +%s) -lt $end ]; do if timeout 10 wget -qO- http://web:8080 >/dev/null 2>&1; then ok=$((ok+1)); else fail=$((fail+1)); fi; done; echo "ok=$ok fail=$fail"');
    // Outside: the test process over the NodePort on 127.0.0.1.
    let stop = false;
    const outside = { ok: 0, failed: [] as string[] };
    // A generous per-request limit: on a loaded machine a slow answer is not a failed one,
    // while a connection sent to a vanished endpoint never completes at all.
    const loop = (async () => {
      while (!stop) {
        const t0 = Date.now();
        try {
          const r = await get(nodePort, { timeoutMs: 10_000 });
          if (r.status === 200) outside.ok++;
          else outside.failed.push(`status ${r.status}`);
        } catch (err) {
          outside.failed.push(`${new Date(t0).toISOString()} ${(err as Error).message}`);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 2000));
    await k('set', 'env', 'deployment/web', 'VERSION=2');
    await k('rollout', 'status', 'deployment/web', '--timeout=120s');
    await waitReady('web', 3);
    const after = new Set((await readyPods('web')).map((p) => p.metadata.name));
    assert.ok([...after].every((p) => !before.has(p)), 'every replica was replaced');
    const r = await inPod;
    stop = true;
    await loop;
    assert.equal(r.code, 0, r.stderr);
    const [, ok, fail] = /ok=(\d+) fail=(\d+)/.exec(r.stdout) ?? [];
    assert.equal(Number(fail), 0, `in-cluster client over the ClusterIP: ${r.stdout}`);
    assert.ok(Number(ok) > 10, r.stdout);
    assert.deepEqual(outside.failed, [], `NodePort client: ${outside.ok} ok`);
    assert.ok(outside.ok > 10);
    t.diagnostic(`rolling update: in-cluster ClusterIP client ${ok} ok / ${fail} failed; NodePort client ${outside.ok} ok / 0 failed`);
  });

  it('refuses at once with no replicas (503 through the Ingress), and serves again after scaling back', async () => {
    await k('scale', 'deployment/web', '--replicas=0');
    await until('web pods gone', async () => (await json('get', 'pods', '-l', 'app=web')).items.length === 0, 120_000, 500);
    await until('the NodePort to refuse', async () => (await probeConnect(nodePort)) === 'refused', 30_000);
    assert.equal((await get(node.ingressHttpPort, { host: 'a.example.test', path: '/web/' })).status, 503);
    const r = await inClient('timeout 10 wget -qO- http://web:8080');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused/i, 'a Service without endpoints rejects rather than drops');
    await k('scale', 'deployment/web', '--replicas=2');
    await waitReady('web', 2);
    await until('the NodePort to serve again', async () => (await get(nodePort)).status === 200, 30_000);
    await until('the Ingress to serve again', async () => (await get(node.ingressHttpPort, { host: 'a.example.test', path: '/web/' })).status === 200, 30_000);
  });

  it('leaves no chains, bridge, processes or listeners behind when the server stops', async () => {
    const dataDir = s.dataDir;
    const pid = s.proc.pid!;
    await s.stop();
    const save = (await sh('iptables-save')) + (await sh('iptables-save', '-t', 'nat'));
    assert.ok(!save.includes(chainPrefix), `iptables still has ${chainPrefix} rules`);
    const links = await sh('ip', '-o', 'link', 'show');
    assert.ok(!links.includes(`${bridge}:`), `bridge ${bridge} is still there`);
    // No process still runs from the server's data dir (containerd, shims) or as the server.
    const left = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return Number(d) === pid || readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });
    assert.deepEqual(left, []);
    assert.equal(await probeConnect(node.ingressHttpPort), 'refused');
    assert.equal(await probeConnect(node.ingressHttpsPort), 'refused');
    assert.equal(await probeConnect(nodePort), 'refused');
    assert.equal(await probeConnect(lbPort), 'refused');
    assert.ok(!(await sh('ss', '-H', '-lnu')).includes(`${dnsAddress}:53`), 'the DNS socket is closed');
  });
});
