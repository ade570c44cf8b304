/**
 * Objects the API benchmarks write: ~1 KB ConfigMaps and realistic ~1.5 KB Pods (a few
 * labels, one container with ports, env and resources), built as JSON text once per
 * object so the load generator spends its time on requests, not on building bodies.
 */

/** A ConfigMap whose JSON is about `bytes` long (the data value pads it). */
export function configMapJson(namespace: string, name: string, bytes = 1024, extra = ''): string {
  const head = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: 'bench' } }, data: { config: '', extra } };
  const pad = Math.max(0, bytes - JSON.stringify(head).length);
  head.data.config = 'x'.repeat(pad);
  return JSON.stringify(head);
}

const TIERS = ['web', 'api', 'worker', 'cache'];

/**
 * A Pod as a Deployment would stamp it: labels for app, tier and template hash, one
 * container with two ports, env, requests/limits, a probe and a mount. ~1.5 KB of JSON.
 * `app-<i % 100>` labels let a selector pick 1% of the pods.
 */
export function podJson(namespace: string, name: string, i: number): string {
  const app = `app-${i % 100}`;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app, tier: TIERS[i % TIERS.length], 'pod-template-hash': '7d9f8c6b5d', 'app.kubernetes.io/part-of': 'bench' },
      annotations: { 'bench.orch.dev/index': String(i) },
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: `registry.example.com/team/${app}:1.24.3`,
          args: ['--listen=:8080', '--metrics=:9090', '--log-level=info'],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env: [
            { name: 'APP_NAME', value: app },
            { name: 'APP_ENV', value: 'production' },
            { name: 'DATABASE_URL', value: 'postgres://db.default.svc.cluster.local:5432/app' },
            { name: 'CACHE_TTL_SECONDS', value: '300' },
            { name: 'FEATURE_FLAGS', value: 'alpha,beta,gamma' },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: `${app}-config` } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  });
}
