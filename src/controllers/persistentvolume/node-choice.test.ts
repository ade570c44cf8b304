import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { ANN_PROVISIONED_BY, ANN_SELECTED_NODE, LOCAL_PATH_PROVISIONER } from '../../machinery/persistent-volumes.js';
import { pv, pvc } from '../../machinery/persistent-volumes-testing.js';
import { pickNode } from './node-choice.js';

function node(name: string, o: { ready?: boolean; unschedulable?: boolean; taint?: string } = {}): Node {
  return {
    metadata: { name },
    spec: { unschedulable: o.unschedulable, taints: o.taint ? [{ key: 'k', effect: o.taint }] : undefined },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}
const local = (name: string, on: string) => pv({ name, node: on, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } });

describe('pickNode', () => {
  it('skips nodes that are not Ready, cordoned or tainted against new pods', () => {
    const nodes = [node('a', { ready: false }), node('b', { unschedulable: true }), node('c', { taint: 'NoSchedule' }), node('d', { taint: 'PreferNoSchedule' })];
    assert.equal(pickNode(nodes, [], []), 'd');
    assert.equal(pickNode(nodes.slice(0, 3), [], []), undefined);
  });

  it('takes the node with the fewest local-path volumes, counting claims already sent there', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const volumes = [local('v1', 'a'), local('v2', 'b'), pv({ name: 'static', node: 'c' })];
    assert.equal(pickNode(nodes, volumes, []), 'c');
    const waiting = pvc({ name: 'w', annotations: { [ANN_SELECTED_NODE]: 'c' } });
    assert.equal(pickNode(nodes, volumes, [waiting]), 'a');
  });
});
