import { test } from 'node:test';
import { deployment, replicaSet, runCreateCases, runUpdateCases } from './test-fixtures.js';

test('deployment create rules', () => {
  runCreateCases('Deployment', deployment, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'selector does not select the template',
      mutate: (d) => (d.spec.template.metadata.labels = { app: 'other' }),
      want: ['spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`'],
    },
    { name: 'no selector', mutate: (d) => delete d.spec.selector, want: ['spec.selector: Required value'] },
    {
      name: 'empty selector',
      mutate: (d) => (d.spec.selector = {}),
      want: ['spec.selector: Invalid value: {}: empty selector is invalid for deployment'],
    },
    {
      name: 'a matchExpressions selector that matches',
      mutate: (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }),
      want: [],
    },
    {
      name: 'bad selector operator',
      mutate: (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] }),
      want: ['spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator'],
    },
    { name: 'negative replicas', mutate: (d) => (d.spec.replicas = -1), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
    {
      name: 'template restartPolicy other than Always',
      mutate: (d) => (d.spec.template.spec.restartPolicy = 'OnFailure'),
      want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    },
    {
      name: 'unknown strategy',
      mutate: (d) => (d.spec.strategy = { type: 'BlueGreen' }),
      want: ['spec.strategy: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"'],
    },
    {
      name: 'rollingUpdate with Recreate',
      mutate: (d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    },
    {
      name: 'both surge and unavailability zero',
      mutate: (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }),
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0'],
    },
    {
      name: 'bad percentages',
      mutate: (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10', maxUnavailable: '150%' } }),
      want: [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"10\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
      ],
    },
    {
      name: 'negative ints',
      mutate: (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: -1, maxUnavailable: 1 } }),
      want: ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0'],
    },
    {
      name: 'history limit and progress deadline',
      mutate: (d) => Object.assign(d.spec, { revisionHistoryLimit: -1, minReadySeconds: 30, progressDeadlineSeconds: 30 }),
      want: [
        'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
        'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds',
      ],
    },
    {
      name: 'errors inside the template carry the template path',
      mutate: (d) => (d.spec.template.spec.containers[0].image = ''),
      want: ['spec.template.spec.containers[0].image: Required value'],
    },
    {
      name: 'activeDeadlineSeconds in a template',
      mutate: (d) => (d.spec.template.spec.activeDeadlineSeconds = 10),
      want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'],
    },
  ]);
});

test('deployment and replica set updates keep the selector', () => {
  const selectorChange = (d: any): void => {
    d.spec.selector.matchLabels.tier = 'front';
    d.spec.template.metadata.labels.tier = 'front';
  };
  runUpdateCases('Deployment', deployment, [
    { name: 'scale', change: (d) => (d.spec.replicas = 5), want: [] },
    { name: 'new image', change: (d) => (d.spec.template.spec.containers[0].image = 'nginx:2'), want: [] },
    {
      name: 'selector change',
      change: selectorChange,
      want: ['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable'],
    },
  ]);
  runUpdateCases('ReplicaSet', replicaSet, [
    {
      name: 'selector change',
      change: selectorChange,
      want: ['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable'],
    },
  ]);
});

test('replica set create rules', () => {
  runCreateCases('ReplicaSet', replicaSet, [
    { name: 'valid', mutate: () => {}, want: [] },
    {
      name: 'selector mismatch',
      mutate: (rs) => (rs.spec.selector = { matchLabels: { app: 'x' } }),
      want: ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
    },
  ]);
});

test('workload status writes keep counts consistent', () => {
  runUpdateCases(
    'Deployment',
    deployment,
    [
      { name: 'consistent', change: (d) => (d.status = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 1 }), want: [] },
      {
        name: 'more ready than exist',
        change: (d) => (d.status = { replicas: 1, readyReplicas: 2, availableReplicas: 2 }),
        want: ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas', 'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas'],
      },
      {
        name: 'collision count decremented',
        before: (d) => (d.status = { collisionCount: 2 }),
        change: (d) => (d.status.collisionCount = 1),
        want: ['status.collisionCount: Invalid value: 1: cannot be decremented'],
      },
    ],
    true,
  );
});
