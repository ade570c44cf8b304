/** Prometheus metrics of the API server, served at /metrics. */
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'API requests by verb, resource and HTTP code.',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'API request latency by verb and resource (watches excluded).',
    labelNames: ['verb', 'resource'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly watchers = new Gauge({
    name: 'apiserver_registered_watchers',
    help: 'Open watch streams by resource.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
