import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { describeEndpoint, type RedisEndpoint } from '../queue/connection.js';

/** How Herald reaches Redis: a given URL, a server already running, or one it started itself. */
export interface RedisTarget {
  url: string;
  /** What to connect to: the URL's server, or the cluster or Sentinel endpoint configured. */
  endpoint: RedisEndpoint;
  /** Set when Herald launched redis-server itself; stop it on shutdown. */
  child?: ChildProcess;
  /** One line for the operator saying where Redis came from. */
  description: string;
}

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

const HOW_TO_GET_REDIS = [
  'Herald needs Redis and none was found. Any one of these fixes it:',
  '  • Debian/Ubuntu:  sudo apt-get install redis-server   (Herald then starts it by itself)',
  '  • macOS:          brew install redis',
  '  • Docker:         docker compose up   (runs Redis and Herald together)',
  '  • or point Herald at a server you have: REDIS_URL=redis://host:6379',
].join('\n');

/** True when something answers a Redis PING on host:port within the timeout. */
export function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = createConnection({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolvePing(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')));
  });
}

async function findOnPath(command: string, pathVariable = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathVariable.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface EnsureRedisOptions {
  /** REDIS_URL or config.redis.url; when set, it is used as is. */
  url?: string;
  /** A configured Redis Cluster or Sentinel endpoint: used as is (the URL is then ignored). */
  endpoint?: RedisEndpoint;
  host?: string;
  port?: number;
  /** Where a self-started server keeps its data (AOF). */
  dataDir?: string;
  /** PATH to search for redis-server (tests override it). */
  pathVariable?: string;
  startTimeoutMs?: number;
}

/**
 * Finds Redis for `herald start`: the configured URL; else a server on 127.0.0.1:6379; else a
 * redis-server from PATH started with its data under ./data/; else a clear error saying how to
 * get one.
 */
export async function ensureRedis(options: EnsureRedisOptions = {}): Promise<RedisTarget> {
  if (options.endpoint) return { url: describeEndpoint(options.endpoint), endpoint: options.endpoint, description: `using ${describeEndpoint(options.endpoint)}` };
  if (options.url) return { url: options.url, endpoint: { kind: 'single', url: options.url }, description: `using Redis at ${options.url}` };
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 6379;
  const url = `redis://${host}:${port}`;
  const endpoint: RedisEndpoint = { kind: 'single', url };
  if (await redisAnswers(host, port)) return { url, endpoint, description: `using the Redis already running at ${host}:${port}` };

  const binary = await findOnPath('redis-server', options.pathVariable);
  if (!binary) throw new RedisUnavailableError(`Nothing answers on ${host}:${port} and redis-server is not installed.\n${HOW_TO_GET_REDIS}`);

  const dataDir = resolve(options.dataDir ?? 'data');
  await mkdir(dataDir, { recursive: true });
  const child = spawn(binary, ['--port', String(port), '--bind', host, '--dir', dataDir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'], {
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (await redisAnswers(host, port)) {
      return { url, endpoint, child, description: `started redis-server on ${host}:${port} with its data in ${dataDir} (stops with Herald)` };
    }
    const code = await Promise.race([exited, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 100))]);
    if (code !== 'waiting') throw new RedisUnavailableError(`redis-server (${binary}) exited with code ${code} before answering on ${host}:${port}.\n${HOW_TO_GET_REDIS}`);
  }
  child.kill('SIGTERM');
  throw new RedisUnavailableError(`redis-server did not answer on ${host}:${port} within ${options.startTimeoutMs ?? 10_000} ms.\n${HOW_TO_GET_REDIS}`);
}
