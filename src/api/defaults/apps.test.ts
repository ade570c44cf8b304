import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './index.js';

const template = () => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });

test('deployment defaults', () => {
  const cases: { name: string; spec: any; want: any }[] = [
    {
      name: 'nothing set',
      spec: {},
      want: {
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    },
    {
      name: 'Recreate gains no rolling parameters',
      spec: { strategy: { type: 'Recreate' } },
      want: { replicas: 1, strategy: { type: 'Recreate' }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    },
    {
      name: 'a partial rolling update keeps what is set; zero replicas stay zero',
      spec: { replicas: 0, strategy: { rollingUpdate: { maxSurge: 1 } }, revisionHistoryLimit: 0 },
      want: {
        replicas: 0,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
      },
    },
  ];
  for (const c of cases) {
    const d: any = { spec: { ...c.spec, selector: { matchLabels: { app: 'a' } }, template: template() } };
    applyDefaults('Deployment', d);
    const { selector, template: tpl, ...rest } = d.spec;
    assert.deepEqual(rest, c.want, c.name);
    assert.deepEqual(selector, { matchLabels: { app: 'a' } }, `${c.name}: the selector is not defaulted`);
    assert.equal(tpl.spec.restartPolicy, 'Always', `${c.name}: the template is defaulted`);
    assert.equal(tpl.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(tpl.spec.serviceAccountName, undefined, 'templates get no service account: that is admission, on pods');
  }
});

test('a deployment without a selector gets none', () => {
  const d: any = { spec: { template: template() } };
  applyDefaults('Deployment', d);
  assert.equal(d.spec.selector, undefined);
});

test('replica set defaults', () => {
  const rs: any = { spec: { selector: { matchLabels: { app: 'a' } }, template: template() } };
  applyDefaults('ReplicaSet', rs);
  assert.equal(rs.spec.replicas, 1);
  assert.equal(rs.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(rs.spec.template.spec.containers[0].resources.requests, undefined, 'limits are not copied in templates');
});
