/**
 * The real kubectl against the real `orch server`, on each storage backend. Manifests come
 * from ../shared/examples (the course's) and are applied unchanged.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrchServer, findKubectl, type OrchServer } from '../support/orch-process.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = resolve(REPO, '../shared/examples');

export function kubectlSuite(backend: 'sqlite' | 'etcd'): void {
  describe(`kubectl against orch server on ${backend}`, () => {
    let s: OrchServer;
    const k = async (...args: string[]) => {
      const r = await s.kubectl(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const kFail = async (...args: string[]) => {
      const r = await s.kubectl(args);
      assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail but printed:\n${r.stdout}`);
      return r.stderr;
    };

    before(async () => {
      findKubectl();
      s = await startOrchServer({ backend });
    });
    after(async () => {
      await s?.cleanup();
    });

    it('lists API resources and versions from discovery', async () => {
      const res = await k('api-resources');
      for (const line of ['deployments  ', 'deploy', 'pods  ', 'po', 'endpointslices', 'ingressclasses', 'leases', 'storageclasses'])
        assert.ok(res.includes(line), `api-resources lacks ${line}:\n${res}`);
      const versions = await k('api-versions');
      for (const v of ['apps/v1', 'v1', 'networking.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'storage.k8s.io/v1'])
        assert.ok(versions.split('\n').includes(v), `api-versions lacks ${v}`);
      const version = await k('version', '-o', 'json');
      assert.equal(JSON.parse(version).serverVersion.minor, '32');
    });

    it('has the local-path StorageClasses, unless started with --disable local-storage', async () => {
      assert.match(await k('get', 'storageclass'), /local-path \(default\)\s+orch.io\/local-path\s+Delete\s+WaitForFirstConsumer/);
      const bare = await startOrchServer({ backend, etcd: undefined, extraArgs: ['--disable', 'local-storage'] });
      try {
        const r = await bare.kubectl(['get', 'storageclass', '-o', 'name']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), '');
      } finally {
        await bare.cleanup();
      }
    });

    it('applies the course Deployment: created, unchanged, configured', async () => {
      const file = join(EXAMPLES, 'my-nginx-deployment.yaml');
      assert.match(await k('apply', '-f', file), /deployment.apps\/my-nginx created/);
      assert.match(await k('apply', '-f', file), /deployment.apps\/my-nginx unchanged/);
      const changed = (await readFile(file, 'utf8')).replace(/replicas: *\d+/, 'replicas: 5');
      const tmp = join(s.dataDir, 'changed.yaml');
      await writeFile(tmp, changed);
      assert.match(await k('apply', '-f', tmp), /deployment.apps\/my-nginx configured/);
      const d = JSON.parse(await k('get', 'deployment', 'my-nginx', '-o', 'json'));
      assert.equal(d.spec.replicas, 5);
      assert.equal(d.metadata.generation, 2);
      assert.ok(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    });

    it('applies the course Service and the Kubernetes documentation examples', async () => {
      assert.match(await k('apply', '-f', join(EXAMPLES, 'my-nginx-service.yaml')), /service\/my-nginx(-service)? created/);
      const svc = JSON.parse(await k('get', 'svc', '-o', 'json'));
      const nodePort = svc.items.find((x: any) => x.spec.type === 'NodePort');
      assert.ok(nodePort, 'the NodePort service exists');
      assert.match(nodePort.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
      for (const f of ['application/deployment.yaml', 'configmap/configmaps.yaml', 'pods/commands.yaml', 'pods/inject/secret.yaml', 'service/nginx-service.yaml']) {
        const p = join(EXAMPLES, 'k8s-docs', f);
        const r = await s.kubectl(['apply', '-f', p]);
        assert.equal(r.code, 0, `apply ${f}: ${r.stderr}`);
      }
    });

    it('prints tables, wide tables, YAML and JSON', async () => {
      const table = await k('get', 'deployments');
      assert.match(table.split('\n')[0], /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
      // No nodes in this cluster: the pods exist but none is available.
      assert.match(table, /my-nginx\s+0\/5\s+\d+\s+0\s+\d+s/);
      const wide = await k('get', 'deploy', '-o', 'wide');
      assert.match(wide.split('\n')[0], /CONTAINERS\s+IMAGES\s+SELECTOR/);
      const yaml = await k('get', 'deploy', 'my-nginx', '-o', 'yaml');
      assert.match(yaml, /kind: Deployment/);
      assert.match(yaml, /resourceVersion: "\d+"/);
      const all = await k('get', 'all', '-A');
      assert.match(all, /service\/kubernetes/);
      assert.match(all, /deployment.apps\/my-nginx/);
      const pods = await k('get', 'pods', '-A', '--show-labels');
      assert.match(pods.split('\n')[0], /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS/);
      const none = await s.kubectl(['get', 'pods', '-n', 'kube-public']);
      assert.match(none.stderr, /No resources found in kube-public namespace/);
    });

    it('describes a deployment', async () => {
      const out = await k('describe', 'deployment', 'my-nginx');
      assert.match(out, /Name:\s+my-nginx/);
      assert.match(out, /Replicas:\s+5 desired/);
      assert.match(out, /StrategyType:\s+RollingUpdate/);
    });

    it('explains resources from the OpenAPI documents', async () => {
      const out = await k('explain', 'deployment.spec.replicas');
      assert.match(out, /KIND:\s+Deployment/);
      assert.match(out, /FIELD:\s+replicas <integer>/);
      const rec = await k('explain', 'pods.spec', '--recursive');
      assert.match(rec, /containers\s+<\[\]Container> -required-/);
    });

    it('labels, annotates, scales and edits', async () => {
      assert.match(await k('label', 'deployment', 'my-nginx', 'tier=web'), /labeled/);
      assert.match(await k('annotate', 'deployment', 'my-nginx', 'note=hello'), /annotated/);
      assert.match(await k('get', 'deploy', '-l', 'tier=web', '-o', 'name'), /deployment.apps\/my-nginx/);
      assert.match(await k('label', 'deployment', 'my-nginx', 'tier-'), /unlabeled/);
      assert.match(await k('scale', 'deployment', 'my-nginx', '--replicas=2'), /scaled/);
      assert.match(await k('scale', 'deployment', 'my-nginx', '--current-replicas=2', '--replicas=3'), /scaled/);
      assert.equal(JSON.parse(await k('get', 'deploy', 'my-nginx', '-o', 'json')).spec.replicas, 3);
      // kubectl edit runs $EDITOR on a temp file; sed stands in for a person.
      const r = await s.kubectl(['edit', 'deployment', 'my-nginx'], { env: { EDITOR: `sed -i -e 's/replicas: 3/replicas: 4/'`, KUBE_EDITOR: `sed -i -e 's/replicas: 3/replicas: 4/'` } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /edited/);
      assert.equal(JSON.parse(await k('get', 'deploy', 'my-nginx', '-o', 'json')).spec.replicas, 4);
      const conflict = await kFail('label', 'deployment', 'my-nginx', 'x=y', '--resource-version=1');
      assert.match(conflict, /Conflict|modified/);
    });

    it('server-side apply owns fields: drops what the manifest leaves out, reports conflicts, forces', async () => {
      const manifest = (replicas: number, env: string[], labels: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: {${labels}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - name: web
        image: nginx
        env: [${env.map((e) => `{name: ${e}, value: "1"}`).join(', ')}]
`;
      const apply = (text: string, ...flags: string[]) => s.kubectl(['apply', '--server-side', ...flags, '-f', '-'], { input: text });
      assert.equal((await apply(manifest(2, ['A', 'B'], 'app: ssa, tier: web'))).code, 0);
      const r1 = await apply(manifest(2, ['A'], 'app: ssa'));
      assert.equal(r1.code, 0, r1.stderr);
      let d = JSON.parse(await k('get', 'deploy', 'ssa', '-o', 'json', '--show-managed-fields'));
      assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }], 'the env var the manifest dropped is gone');
      assert.deepEqual(d.metadata.labels, { app: 'ssa' }, 'the label the manifest dropped is gone');
      assert.ok(d.metadata.managedFields.some((e: any) => e.manager === 'kubectl' && e.operation === 'Apply' && e.fieldsV1['f:spec']['f:replicas']));
      assert.match(await k('scale', 'deploy', 'ssa', '--replicas=5'), /scaled/);
      const conflict = await apply(manifest(3, ['A'], 'app: ssa'));
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/);
      const forced = await apply(manifest(3, ['A'], 'app: ssa'), '--force-conflicts');
      assert.equal(forced.code, 0, forced.stderr);
      d = JSON.parse(await k('get', 'deploy', 'ssa', '-o', 'json'));
      assert.equal(d.spec.replicas, 3);
      await k('delete', 'deploy', 'ssa');
    });

    it('creates namespaces, deployments, configmaps, secrets and services (protobuf bodies)', async () => {
      assert.match(await k('create', 'namespace', 'e2e'), /namespace\/e2e created/);
      assert.match(await k('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2', '-n', 'e2e'), /deployment.apps\/web created/);
      assert.match(await k('create', 'configmap', 'cfg', '--from-literal=a=1', '-n', 'e2e'), /configmap\/cfg created/);
      assert.match(await k('create', 'secret', 'generic', 'sec', '--from-literal=pass=s3cret', '-n', 'e2e'), /secret\/sec created/);
      assert.match(await k('create', 'service', 'nodeport', 'np', '--tcp=80:8080', '-n', 'e2e'), /service\/np created/);
      const d = JSON.parse(await k('get', 'deploy', 'web', '-n', 'e2e', '-o', 'json'));
      assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.25');
      assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
      const sec = JSON.parse(await k('get', 'secret', 'sec', '-n', 'e2e', '-o', 'json'));
      assert.equal(Buffer.from(sec.data.pass, 'base64').toString(), 's3cret');
      assert.match(await k('expose', 'deployment', 'web', '--port=80', '--target-port=8080', '-n', 'e2e'), /service\/web exposed/);
      const svc = JSON.parse(await k('get', 'svc', 'web', '-n', 'e2e', '-o', 'json'));
      assert.deepEqual(svc.spec.selector, { app: 'web' });
      assert.equal(svc.spec.type, 'ClusterIP');
      const dup = await kFail('create', 'namespace', 'e2e');
      assert.match(dup, /AlreadyExists/);
    });

    it('shows rollout history of a deployment', async () => {
      const r = await s.kubectl(['rollout', 'history', 'deployment/my-nginx']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /deployment.apps\/my-nginx/);
    });

    it('reports errors the way kubectl users know them', async () => {
      assert.match(await kFail('get', 'widgets'), /the server doesn't have a resource type "widgets"/);
      assert.match(await kFail('get', 'pod', 'missing'), /Error from server \(NotFound\): pods "missing" not found/);
      const bad = join(s.dataDir, 'bad.yaml');
      await writeFile(bad, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: b}\n    spec:\n      containers: [{name: c, image: x}]\n');
      assert.match(await kFail('apply', '-f', bad), /is invalid: .*spec.template.metadata.labels/s);
      await writeFile(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\ndata: {a: "1"}\nbogus: 1\n');
      assert.match(await kFail('apply', '-f', bad), /unknown field "bogus"/);
    });

    it('deletes and waits until the object is gone', async () => {
      assert.match(await k('delete', 'configmap', 'cfg', '-n', 'e2e'), /configmap "cfg" deleted/);
      assert.match(await kFail('get', 'configmap', 'cfg', '-n', 'e2e'), /NotFound/);
      assert.match(await k('delete', '-f', join(EXAMPLES, 'my-nginx-service.yaml')), /deleted/);
    });

    it('streams changes with get -w', async () => {
      const kubectl = findKubectl();
      const child = spawn(kubectl, [`--kubeconfig=${s.kubeconfig}`, `--cache-dir=${join(s.dataDir, 'kubectl-cache')}`, 'get', 'configmaps', '-n', 'e2e', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      try {
        // With nothing to list, kubectl prints nothing until the first event arrives.
        await new Promise((r) => setTimeout(r, 1000));
        await k('create', 'configmap', 'watched', '--from-literal=x=1', '-n', 'e2e');
        await waitFor(() => /watched\s+1\s+/.test(out), 10_000, () => out);
        await k('label', 'configmap', 'watched', 'seen=yes', '-n', 'e2e');
        await waitFor(() => (out.match(/watched\s+1\s+/g)?.length ?? 0) >= 2, 10_000, () => out);
        assert.equal(out.match(/NAME\s+DATA/g)?.length, 1, `one header only:\n${out}`);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('keeps everything across a restart', async () => {
      s = await s.restart();
      const d = JSON.parse(await k('get', 'deploy', 'web', '-n', 'e2e', '-o', 'json'));
      assert.equal(d.spec.replicas, 2);
      assert.match(await k('get', 'configmap', 'watched', '-n', 'e2e'), /watched/);
    });
  });
}

async function waitFor(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out; saw:\n${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
