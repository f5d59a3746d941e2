import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { builtSupportEntry, printed } from './spawn-worker.js';

/** One running scale-out worker process and where its /metrics are. */
export interface ScaleOutProcess {
  name: string;
  child: ChildProcess;
  metricsUrl: string;
}

/**
 * Starts the built scale-out-worker.js (plain node, as Herald runs) as HERALD_WORKER_NAME `name`
 * with `env` added to this process's environment; resolves once it serves its /metrics.
 */
export async function startScaleOutWorker(name: string, env: Record<string, string>): Promise<ScaleOutProcess> {
  const child = spawn(process.execPath, [builtSupportEntry('scale-out-worker')], { env: { ...process.env, ...env, HERALD_WORKER_NAME: name }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [, port] = await printed(child, /ready (\d+)/, `worker ${name}`);
  return { name, child, metricsUrl: `http://127.0.0.1:${port}/metrics` };
}

/** A counter of a process's /metrics by its labels as written there (`platform="telegram"`, '' for none); empty when never counted. */
export async function scrapeCounter(metricsUrl: string, metric: string): Promise<Map<string, number>> {
  return metricSamples(await (await fetch(metricsUrl)).text(), metric);
}

/** A metric's samples in Prometheus text, by their labels as written there ('' for none). */
export function metricSamples(text: string, metric: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sample = new RegExp(`^${metric}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (sample) values.set(sample[1] ?? '', Number(sample[2]));
  }
  return values;
}

/** A counter summed over the processes, by label set. */
export async function scrapeCounterSum(processes: readonly ScaleOutProcess[], metric: string): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const counts of await Promise.all(processes.map(({ metricsUrl }) => scrapeCounter(metricsUrl, metric)))) {
    for (const [labels, value] of counts) total.set(labels, (total.get(labels) ?? 0) + value);
  }
  return total;
}

/** SIGTERM, as an operator stops Herald; resolves with the exit code (or the signal, if it had to be killed after `graceMs`). */
export async function stopScaleOutWorker({ child }: ScaleOutProcess, graceMs = 60_000): Promise<number | NodeJS.Signals> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  return child.exitCode ?? child.signalCode!;
}
