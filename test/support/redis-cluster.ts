import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import type { RedisEndpoint } from '../../src/queue/connection.js';
import { freePort } from './redis.js';

const run = promisify(execFile);

/** One redis-server of the test cluster. */
export interface ClusterNode {
  port: number;
  process: ChildProcess;
}

/**
 * A private Redis Cluster of three masters with one replica each, on free ports, for one test
 * file: built the way an operator builds one (redis-server --cluster-enabled yes, then
 * redis-cli --cluster create … --cluster-replicas 1).
 */
export interface TestRedisCluster {
  nodes: ClusterNode[];
  /** What Herald's config would name: every node (ioredis would find the rest from one). */
  endpoint: Extract<RedisEndpoint, { kind: 'cluster' }>;
  /** A fresh cluster client with the options BullMQ needs; closed by stop(). */
  client(): Cluster;
  /** Ports of the nodes that are masters now. */
  masters(): Promise<number[]>;
  /** Kill -9 one node (a master: its replica takes over once the others agree it failed). */
  kill(port: number): Promise<void>;
  /** Resolves once every slot is served again (cluster_state:ok as seen from `port`). */
  waitUntilHealthy(port?: number): Promise<void>;
  /** Resolves once the other nodes marked the killed master failed and its replica took over its slots. */
  waitForFailover(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** Failure detection in 2 s, so a failover test takes seconds, not the default 15. */
const NODE_TIMEOUT_MS = 2_000;

function launch(port: number, busPort: number, dir: string): ChildProcess {
  const args = [
    '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
    '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.on('error', (error) => {
    throw new Error(`cannot start redis-server (${error.message}); install it, e.g. apt-get install redis-server`);
  });
  return child;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`test cluster: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ask(port: number, ...command: string[]): Promise<string> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return String(await redis.call(command[0]!, ...command.slice(1)));
  } finally {
    redis.disconnect();
  }
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-cluster-'));
  const ports: number[] = [];
  while (ports.length < 12) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const nodes = ports.slice(0, 6).map((port, index) => ({ port, process: launch(port, ports[6 + index]!, dir) }));
  const clients: Cluster[] = [];
  const alive = () => nodes.filter((node) => node.process.exitCode === null && node.process.signalCode === null);
  const handle: TestRedisCluster = {
    nodes,
    endpoint: { kind: 'cluster', nodes: nodes.map(({ port }) => ({ host: '127.0.0.1', port })) },
    client() {
      const client = new Cluster(handle.endpoint.nodes, { redisOptions: { maxRetriesPerRequest: null }, retryDelayOnClusterDown: 300, retryDelayOnFailover: 300 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async masters() {
      const lines = (await ask(alive()[0]!.port, 'CLUSTER', 'NODES')).trim().split('\n');
      return lines.map((line) => line.split(' ')).filter((fields) => fields[2]!.includes('master') && !fields[2]!.includes('fail')).map((fields) => Number(fields[1]!.split(':')[1]!.split('@')[0]));
    },
    async kill(port) {
      await killAndWait(nodes.find((node) => node.port === port)!.process);
    },
    async waitUntilHealthy(port) {
      const probe = port ?? alive()[0]!.port;
      await until(async () => (await ask(probe, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 'cluster_state:ok');
    },
    async waitForFailover(port) {
      await until(async () => !(await handle.masters()).includes(port), `a replica to replace master ${port}`);
      await handle.waitUntilHealthy();
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await Promise.all(nodes.map((node) => killAndWait(node.process)));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map(({ port }) => until(async () => (await ask(port, 'PING')) === 'PONG', `node ${port} to answer`, 20_000)));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map(({ port }) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await Promise.all(nodes.map(({ port }) => handle.waitUntilHealthy(port)));
    // Replicas must have synced before a test may rely on one taking over.
    await until(async () => (await Promise.all(nodes.map(({ port }) => ask(port, 'INFO', 'replication')))).filter((info) => info.includes('master_link_status:up')).length === 3, 'the replicas to sync');
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}
