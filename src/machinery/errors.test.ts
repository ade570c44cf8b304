import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors, fe } from './errors.js';

test('invalid renders every field error into message and causes', () => {
  const err = errors.invalid({ resource: 'deployments.apps', group: 'apps', kind: 'Deployment', name: 'web' }, [
    fe.invalid('spec.replicas', -1, 'must be greater than or equal to 0'),
    fe.required('spec.selector'),
  ]);
  const s = err.toStatus();
  assert.equal(s.code, 422);
  assert.equal(s.reason, 'Invalid');
  assert.equal(
    s.message,
    'Deployment "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
  );
  assert.deepEqual(s.details?.causes?.map((c) => c.field), ['spec.replicas', 'spec.selector']);
  assert.equal(s.details?.kind, 'Deployment');
});
