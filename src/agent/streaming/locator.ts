/**
 * How the node streaming server finds a pod's containers: an interface (so tests can point
 * it at plain files) and the implementation over CRI, keyed by the labels the pod workers
 * put on sandboxes and containers (the kubelet's keys).
 */
import type { CriClient } from '../cri/cri-client.js';
import type { Container } from '../cri/cri-types.js';
import { CONTAINER_NAME_LABEL, POD_NAMESPACE_LABEL, POD_NAME_LABEL } from '../pods/labels.js';

export interface LogFile {
  path: string;
  /** Whether the container instance that writes the file still runs (ends `follow`). */
  running(): Promise<boolean>;
}

export interface ContainerLocator {
  /**
   * The log file of the newest instance of a container, or of the one before it with
   * `previous`; undefined when this node has no such instance.
   */
  logFile(namespace: string, pod: string, container: string, previous: boolean): Promise<LogFile | undefined>;
  /** CRI id of the container's running instance, undefined when none runs. */
  runningContainer(namespace: string, pod: string, container: string): Promise<string | undefined>;
  /** CRI id of the pod's ready sandbox, undefined when none. */
  readySandbox(namespace: string, pod: string): Promise<string | undefined>;
}

const createdNs = (c: Container): bigint => BigInt(c.created_at || '0');

export class CriContainerLocator implements ContainerLocator {
  constructor(private readonly cri: CriClient) {}

  private async instances(namespace: string, pod: string, container: string): Promise<Container[]> {
    const list = await this.cri.listContainers({
      label_selector: { [POD_NAMESPACE_LABEL]: namespace, [POD_NAME_LABEL]: pod, [CONTAINER_NAME_LABEL]: container },
    });
    // Newest first: the attempt number orders restarts; creation time breaks ties.
    return list.sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) || (createdNs(b) > createdNs(a) ? 1 : -1));
  }

  async logFile(namespace: string, pod: string, container: string, previous: boolean): Promise<LogFile | undefined> {
    const list = await this.instances(namespace, pod, container);
    const c = list[previous ? 1 : 0];
    if (!c) return undefined;
    const st = await this.cri.containerStatus(c.id).catch(() => undefined);
    if (!st?.status?.log_path) return undefined;
    return {
      path: st.status.log_path,
      running: async () => {
        const s = await this.cri.containerStatus(c.id).catch(() => undefined);
        return s?.status?.state === 'CONTAINER_RUNNING';
      },
    };
  }

  async runningContainer(namespace: string, pod: string, container: string): Promise<string | undefined> {
    const list = await this.instances(namespace, pod, container);
    return list.find((c) => c.state === 'CONTAINER_RUNNING')?.id;
  }

  async readySandbox(namespace: string, pod: string): Promise<string | undefined> {
    const list = await this.cri.listPodSandbox({ label_selector: { [POD_NAMESPACE_LABEL]: namespace, [POD_NAME_LABEL]: pod }, state: { state: 'SANDBOX_READY' } });
    return list[0]?.id;
  }
}
