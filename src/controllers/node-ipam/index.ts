/** The node IPAM controller: one pod range per Node from the cluster CIDR. */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { ControllerDescriptor } from '../types.js';
import { NodeIpamController } from './controller.js';

export { NodeIpamController, type NodeIpamDeps } from './controller.js';
export { CidrSet } from './cidr-set.js';

export const controller: ControllerDescriptor = {
  name: 'node-ipam',
  create(ctx) {
    const recorder = ctx.recorder('node-ipam-controller');
    const nodesClient = ctx.client.resource<Node>('nodes');
    return new NodeIpamController({
      nodes: ctx.informers.informer<Node>('nodes'),
      patchNode: async (name, patch) => {
        await nodesClient.patch(undefined, name, patch, 'merge');
      },
      event: (obj, type, reason, message) => recorder.event(obj, type, reason, message),
      log: ctx.log.child({ component: 'node-ipam' }),
      clusterCidr: ctx.config.clusterCidr,
      nodeCidrMaskSize: ctx.config.nodeCidrMaskSize,
      workers: ctx.config.workers,
    });
  },
};
