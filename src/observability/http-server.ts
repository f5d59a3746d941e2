import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';
import { basicAuthMatches, type Credentials } from './basic-auth.js';
import { createDashboardHandler, DASHBOARD_PATH, type RequestHandler } from './dashboard.js';
import type { HeraldMetrics } from './metrics.js';
import type { ReadinessCheck } from './readiness.js';

export interface HttpServerOptions {
  port: number;
  host: string;
  metrics: HeraldMetrics;
  readiness?: ReadinessCheck[];
  /** bull-board under /admin/queues behind basic auth; absent: no dashboard at all. */
  dashboard?: Credentials & { queues: Queue[] };
  logger?: Logger;
  /** How long one readiness check may take before it counts as failed. */
  readinessTimeoutMs?: number;
}

export interface RunningHttpServer {
  /** The port listened on (the one chosen by the system when 0 was asked for). */
  port: number;
  url: string;
  close(): Promise<void>;
}

function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([check.check(), timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check at once; the report names each check with "ok" or its problem. */
async function readinessReport(checks: ReadinessCheck[], timeoutMs: number): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const outcomes = await Promise.allSettled(checks.map((check) => withTimeout(check, timeoutMs)));
  const report: Record<string, string> = {};
  outcomes.forEach((outcome, index) => {
    report[checks[index]!.name] = outcome.status === 'fulfilled' ? 'ok' : String((outcome.reason as Error)?.message ?? outcome.reason);
  });
  return { ready: outcomes.every((outcome) => outcome.status === 'fulfilled'), checks: report };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function guarded(handler: RequestHandler, credentials: Credentials): RequestHandler {
  return (request, response) => {
    if (basicAuthMatches(request.headers.authorization, credentials)) return handler(request, response);
    response.writeHead(401, { 'www-authenticate': 'Basic realm="Herald dashboard", charset="UTF-8"', 'content-type': 'text/plain' });
    response.end('authentication required');
  };
}

/**
 * The operator's HTTP endpoints: `/healthz` (the process is up), `/readyz` (every readiness
 * check passes: 200, else 503 with the reasons), `/metrics` (Prometheus text), and bull-board
 * at `/admin/queues` when a dashboard is configured.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const readiness = options.readiness ?? [];
  const timeoutMs = options.readinessTimeoutMs ?? 2_000;
  const dashboard = options.dashboard && guarded(await createDashboardHandler(options.dashboard.queues), options.dashboard);

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (dashboard && (path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`))) return dashboard(request, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await readinessReport(readiness, timeoutMs);
      return sendJson(response, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', checks: report.checks });
    }
    if (path === '/metrics') {
      const { contentType, body } = await options.metrics.exposition();
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
      return;
    }
    sendJson(response, 404, { error: `no such endpoint; try /healthz, /readyz or /metrics` });
  }

  const server = createServer((request, response) => {
    const started = performance.now();
    const { method, url } = request;
    response.once('finish', () => {
      options.logger?.debug({ method, url, status: response.statusCode, ms: Math.round(performance.now() - started) }, 'http request');
    });
    route(request, response).catch((error: unknown) => {
      options.logger?.error({ err: error, url: request.url }, 'health server request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  options.logger?.info({ port, host: options.host, dashboard: dashboard !== undefined }, 'health server listening');
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
