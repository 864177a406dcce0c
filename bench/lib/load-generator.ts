/**
 * The HTTP load generator (autocannon) in a child process of its own, so that
 * on a small machine the server under test and the client firing requests do
 * not share one event loop. The benchmark sends it one job at a time over IPC.
 *
 * Throughput and latency are computed here from every response (autocannon's
 * own `duration` is rounded up to its one-second tick, which would understate
 * the rate of a short run that stops after a fixed number of requests).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Series } from './stats.ts';

const CHILD_FLAG = '--civitas-load-generator';

export interface LoadJob {
  url: string;
  connections: number;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** one request per path, in order, each path used once; the run ends after paths.length responses */
  paths?: string[];
  /** or: the same path for `seconds` */
  path?: string;
  seconds?: number;
}

export interface LoadResult extends Series {
  /** responses by HTTP status */
  statuses: Record<string, number>;
  /** connection errors and timeouts (no response) */
  errors: number;
  timeouts: number;
  /** requests whose path list had run out (should be 0) */
  overflow: number;
}

/** A path that answers 404: sent if autocannon ever asks for more requests than there are paths. */
const OVERFLOW_PATH = '/applications/00000000-0000-4000-8000-000000000000/submit';

async function runJob(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let overflow = 0;
  let next = 0;
  const paths = job.paths;
  const request: autocannon.Request = { method: job.method };
  if (paths) {
    request.setupRequest = (req) => {
      const p = paths[next++];
      if (p === undefined) overflow++;
      return { ...req, path: p ?? OVERFLOW_PATH };
    };
  }
  const started = performance.now();
  let lastResponse = started;
  let finished!: (r: autocannon.Result) => void;
  let failed!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => { finished = resolve; failed = reject; });
  const instance = autocannon({
    url: job.url + (job.path ?? ''),
    connections: job.connections,
    pipelining: 1,
    method: job.method,
    headers: job.headers,
    body: job.body,
    requests: [request],
    ...(paths ? { amount: paths.length } : { duration: job.seconds ?? 10 }),
    timeout: 30,
  }, (err, result) => (err ? failed(err instanceof Error ? err : new Error(String(err))) : finished(result)));
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    lastResponse = performance.now();
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await done;
  return { latenciesMs: latencies, elapsedMs: lastResponse - started, statuses, errors: result.errors, timeouts: result.timeouts, overflow };
}

export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>;
  close(): void;
}

/** Start the load generator process (this same file, run with tsx's loader inherited). */
export function startLoadGenerator(): LoadGenerator {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: { resolve: (r: LoadResult) => void; reject: (e: Error) => void } | undefined;
  child.on('message', (m: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`load generator: ${m.error}`));
  });
  child.on('exit', (code) => {
    pending?.reject(new Error(`load generator exited with code ${code}`));
    pending = undefined;
  });
  return {
    run(job) {
      if (pending) return Promise.reject(new Error('one load job at a time'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(job);
      });
    },
    close() {
      child.disconnect();
    },
  };
}

if (process.argv.includes(CHILD_FLAG) && process.send) {
  process.on('message', (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!({ ok: true, result }),
      (err: Error) => process.send!({ ok: false, error: err.stack ?? String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
