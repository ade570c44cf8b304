/** The API client every component uses to reach state: one transport, a client per resource. */
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import type { ClientConfig } from './config.js';
import { Transport } from './transport.js';
import { ResourceClient } from './resource-client.js';

export class Client {
  readonly transport: Transport;
  private readonly clients = new Map<ResourceInfo, ResourceClient>();

  constructor(config: ClientConfig) {
    this.transport = new Transport(config);
  }

  /** The client for a resource by plural name (and group, for non-core resources). */
  resource<T extends { metadata?: any } = any>(plural: string, group = ''): ResourceClient<T> {
    const info = RESOURCES.find((r) => r.plural === plural && r.group === group);
    if (!info) throw new Error(`unknown resource ${group ? `${plural}.${group}` : plural}`);
    let c = this.clients.get(info);
    if (!c) this.clients.set(info, (c = new ResourceClient(this.transport, info)));
    return c as ResourceClient<T>;
  }

  get pods() {
    return this.resource('pods');
  }
  get nodes() {
    return this.resource('nodes');
  }
  get services() {
    return this.resource('services');
  }
  get endpoints() {
    return this.resource('endpoints');
  }
  get events() {
    return this.resource('events');
  }
  get namespaces() {
    return this.resource('namespaces');
  }
  get deployments() {
    return this.resource('deployments', 'apps');
  }
  get replicaSets() {
    return this.resource('replicasets', 'apps');
  }
  get endpointSlices() {
    return this.resource('endpointslices', 'discovery.k8s.io');
  }
  get leases() {
    return this.resource('leases', 'coordination.k8s.io');
  }

  close(): void {
    this.transport.close();
  }
}
