import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeImageRef } from './reference.js';

test('references get their registry, library namespace and tag as containerd resolves them', () => {
  const cases: [string, string][] = [
    ['nginx:1.7.9', 'docker.io/library/nginx:1.7.9'],
    ['busybox', 'docker.io/library/busybox:latest'],
    ['dockerfile/nginx', 'docker.io/dockerfile/nginx:latest'],
    ['orch.local/busybox:1', 'orch.local/busybox:1'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    ['localhost/app:v2', 'localhost/app:v2'],
    ['registry.example.com:5000/team/app:v1', 'registry.example.com:5000/team/app:v1'],
    ['nginx@sha256:0123', 'docker.io/library/nginx@sha256:0123'],
    ['docker.io/library/nginx:1.7.9', 'docker.io/library/nginx:1.7.9'],
    ['', ''],
  ];
  for (const [given, want] of cases) assert.equal(normalizeImageRef(given), want, given);
});
