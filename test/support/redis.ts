import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A private redis-server for one test file: its own port and data directory, never the machine's. */
export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** A fresh client; closed by stop(). */
  client(): Redis;
  /** Kill -9 and start again on the same port and data (AOF), for restart tests. */
  restart(): Promise<void>;
  /** Kill -9 and stay down until up(): an outage as long as the test wants. */
  down(): Promise<void>;
  /** Start again on the same port and data after down(); resolves once it answers. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refusals are expected while the server starts; connect() reports them.
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
}

function launch(port: number, dir: string, appendOnly: boolean): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction'];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.on('error', (error) => {
    throw new Error(`cannot start redis-server (${error.message}); install it, e.g. apt-get install redis-server`);
  });
  return child;
}

export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'herald-redis-'));
  const appendOnly = options.appendOnly ?? false;
  const clients: Redis[] = [];
  const handle: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: launch(port, dir, appendOnly),
    client() {
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null });
      clients.push(client);
      return client;
    },
    async restart() {
      await handle.down();
      await handle.up();
    },
    async down() {
      await killAndWait(handle.process);
    },
    async up() {
      handle.process = launch(port, dir, appendOnly);
      await waitForPing(port);
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await killAndWait(handle.process);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await waitForPing(port);
  return handle;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** How many times Redis ran `command` (lower-case, as INFO names it) while `run` ran, a script's own calls included. */
export async function commandCallsDuring(redis: Redis, command: string, run: () => Promise<unknown>): Promise<number> {
  const calls = async () => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await redis.info('commandstats'))?.[1] ?? 0);
  const before = await calls();
  await run();
  return (await calls()) - before;
}
