import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPullPolicy, imageTag } from './image.js';

test('pull policy follows the tag', () => {
  const cases: [string, string, string][] = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.7.9', '1.7.9', 'IfNotPresent'],
    ['localhost:5000/nginx', 'latest', 'Always'],
    ['localhost:5000/nginx:1.25', '1.25', 'IfNotPresent'],
    ['registry.k8s.io/redis@sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee', '', 'IfNotPresent'],
    ['redis:7@sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee', '7', 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of cases) {
    assert.equal(imageTag(image), tag, image);
    assert.equal(defaultPullPolicy(image), policy, image);
  }
});
