/** Prometheus metrics: request rate and latency by route, job queue depth and outcomes. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { queueStats } from '../jobs/index.ts';
import type { Db } from '../db/index.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly jobOutcomes: Counter<'queue' | 'outcome'>;
  private readonly queueDepth: Gauge<'queue' | 'state'>;

  constructor(db: Db) {
    collectDefaultMetrics({ register: this.registry, prefix: 'civitas_' });
    this.httpDuration = new Histogram({
      name: 'civitas_http_request_duration_seconds', help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.jobOutcomes = new Counter({ name: 'civitas_jobs_finished_total', help: 'Jobs finished by queue and outcome (done, retry, failed)', labelNames: ['queue', 'outcome'], registers: [this.registry] });
    this.queueDepth = new Gauge({
      name: 'civitas_jobs', help: 'Jobs not yet done, by queue and state (pending, running, failed)', labelNames: ['queue', 'state'], registers: [this.registry],
      collect: async () => {
        this.queueDepth.reset();
        for (const s of await queueStats(db)) this.queueDepth.set({ queue: s.queue, state: s.state }, s.count);
      },
    });
  }
}
