/**
 * The node's FORWARD rules for pod traffic, in place of the CNI firewall plugin.
 *
 * Where the FORWARD policy is DROP (wherever Docker ever ran) pods need traffic from them,
 * and the replies to it, accepted. The firewall plugin did that per pod — two rules for the
 * pod's IP in the shared CNI-FORWARD chain — which cost every sandbox start and stop one
 * more plugin process and several iptables runs (~50 ms each way and ~20 ms of CPU per pod
 * on 2 cores, a fifth of containerd's CPU for a burst of pods). The same two rules for the
 * whole pod CIDR, put in once when the node starts, accept exactly the same packets: the
 * node's IPAM hands out addresses of that CIDR only.
 *
 * The rules carry a comment naming the CNI network, so they are found again (an agent
 * restart does not add them twice) and removed with the node.
 */
import { run } from './host.js';

type Iptables = (args: string[]) => Promise<unknown>;

const iptables: Iptables = (args) => run('iptables', ['-w', '5', '-t', 'filter', ...args]);

/** The rule specs (after the chain name) for a pod CIDR. */
export function podForwardRules(podCidr: string, networkName: string): string[][] {
  const comment = ['-m', 'comment', '--comment', `orch ${networkName} pod traffic`];
  return [
    ['-s', podCidr, ...comment, '-j', 'ACCEPT'],
    ['-d', podCidr, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment, '-j', 'ACCEPT'],
  ];
}

/**
 * Appends the rules to FORWARD unless they are there. Appended, as flannel does, not put
 * first: the service proxy's hook at the top of FORWARD must see a pod's packet to a
 * Service without endpoints first, to reject it, before this accepts all pod traffic (it
 * would otherwise leave by the default route and hang). The FORWARD policy (DROP where
 * Docker ran) applies after the last rule, so appending still lets pod traffic through.
 */
export async function ensurePodForwardRules(podCidr: string, networkName: string, ipt: Iptables = iptables): Promise<void> {
  for (const rule of podForwardRules(podCidr, networkName)) {
    try {
      await ipt(['-C', 'FORWARD', ...rule]);
    } catch {
      await ipt(['-A', 'FORWARD', ...rule]);
    }
  }
}

/** Removes the rules (every copy there is). */
export async function removePodForwardRules(podCidr: string, networkName: string, ipt: Iptables = iptables): Promise<void> {
  for (const rule of podForwardRules(podCidr, networkName)) {
    for (let i = 0; i < 10; i++) {
      try {
        await ipt(['-C', 'FORWARD', ...rule]);
      } catch {
        break;
      }
      await ipt(['-D', 'FORWARD', ...rule]);
    }
  }
}
