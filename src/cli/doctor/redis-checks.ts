import type { Cluster, Redis } from 'ioredis';
import { describeEndpoint, type RedisEndpoint } from '../../queue/connection.js';
import { isCluster, type RedisClient } from '../../store/client.js';
import { describeError, type CheckResult } from './report.js';

/** BullMQ refuses older servers; below the recommended one some of its features are slower. */
const MINIMUM_VERSION = [5, 0, 0];
const RECOMMENDED_VERSION = [6, 2, 0];

/** The `key:value` lines of an INFO reply. */
export function parseRedisInfo(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function versionBelow(version: string, minimum: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let index = 0; index < minimum.length; index++) {
    const part = parts[index] ?? 0;
    if (part !== minimum[index]) return part < minimum[index]!;
  }
  return false;
}

function versionCheck(info: Map<string, string>, url: string): CheckResult {
  const version = info.get('redis_version') ?? 'unknown';
  const where = `Redis ${version} at ${url}`;
  if (versionBelow(version, MINIMUM_VERSION)) {
    return { name: 'redis version', status: 'problem', detail: `${where}: BullMQ needs 5.0 or newer`, fix: 'upgrade Redis to 7.x' };
  }
  if (versionBelow(version, RECOMMENDED_VERSION)) {
    return { name: 'redis version', status: 'warn', detail: `${where}: BullMQ recommends 6.2 or newer`, fix: 'upgrade Redis to 7.x' };
  }
  return { name: 'redis version', status: 'ok', detail: where };
}

/** RDB snapshot rules ("3600 1 300 100"), or undefined when CONFIG is not allowed (managed Redis). */
async function snapshotRules(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'save')) as string[];
    return reply[1] ?? '';
  } catch {
    return undefined;
  }
}

async function persistenceCheck(redis: Redis, info: Map<string, string>): Promise<CheckResult> {
  const name = 'redis persistence';
  if (info.get('aof_enabled') === '1') return { name, status: 'ok', detail: 'append-only file on' };
  const rules = await snapshotRules(redis);
  const fix = 'turn on the append-only file: redis-server --appendonly yes (docker-compose.yml does), or CONFIG SET appendonly yes and the same in redis.conf';
  if (rules === undefined) return { name, status: 'warn', detail: 'append-only file off; RDB snapshot rules could not be read (CONFIG is not allowed)', fix };
  if (rules.trim() !== '') return { name, status: 'warn', detail: `RDB snapshots only (save ${rules}): a crash loses the jobs and items since the last snapshot`, fix };
  return { name, status: 'problem', detail: 'no persistence at all: a Redis restart loses every feed, subscription and job', fix };
}

function evictionCheck(info: Map<string, string>): CheckResult {
  const policy = info.get('maxmemory_policy') ?? 'unknown';
  if (policy === 'noeviction') return { name: 'redis eviction policy', status: 'ok', detail: 'maxmemory-policy noeviction' };
  return {
    name: 'redis eviction policy',
    status: 'problem',
    detail: `maxmemory-policy is ${policy}: when memory runs out Redis deletes keys, and BullMQ's jobs and locks with them`,
    fix: 'CONFIG SET maxmemory-policy noeviction, and put "maxmemory-policy noeviction" in redis.conf',
  };
}

/** Cluster-wide problems (slots not served, a failing node), from CLUSTER INFO and CLUSTER NODES. */
async function clusterStateCheck(cluster: Cluster): Promise<CheckResult> {
  const name = 'redis cluster';
  const info = parseRedisInfo((await cluster.cluster('INFO')) as string);
  const nodes = ((await cluster.cluster('NODES')) as string).trim().split('\n').map((line) => line.split(' '));
  const failing = nodes.filter((fields) => /fail/.test(fields[2] ?? '')).map((fields) => `${(fields[1] ?? '').split('@')[0]} (${fields[2]})`);
  const masters = nodes.filter((fields) => (fields[2] ?? '').includes('master') && !(fields[2] ?? '').includes('fail'));
  const assigned = Number(info.get('cluster_slots_assigned') ?? 0);
  const detail = `state ${info.get('cluster_state')}, ${assigned} of 16384 slots assigned, ${masters.length} master(s), ${nodes.length} node(s)`;
  if (info.get('cluster_state') !== 'ok' || assigned < 16_384) {
    return { name, status: 'problem', detail: `${detail}${failing.length ? `; failing: ${failing.join(', ')}` : ''}`, fix: 'every slot needs a live master: restart the failed node or run redis-cli --cluster fix HOST:PORT' };
  }
  if (failing.length > 0) return { name, status: 'warn', detail: `${detail}; failing: ${failing.join(', ')}`, fix: 'restart the failing node (its replica took over; without it that shard has no spare)' };
  return { name, status: 'ok', detail };
}

/** Version, persistence and eviction of one server at `where`; with `named`, each detail says which server. */
async function serverChecks(redis: Redis, where: string, named: boolean): Promise<CheckResult[]> {
  const info = parseRedisInfo(await redis.info());
  const results = [await persistenceCheck(redis, info), evictionCheck(info)].map((result) => (named ? { ...result, detail: `${where}: ${result.detail}` } : result));
  return [versionCheck(info, where), ...results];
}

/**
 * Version, persistence and eviction policy of the Redis Herald uses; on a cluster, first the
 * cluster's state, then the same checks on every master, naming the node at fault.
 */
export async function checkRedis(redis: RedisClient, endpoint: RedisEndpoint): Promise<CheckResult[]> {
  const where = describeEndpoint(endpoint);
  try {
    if (!isCluster(redis)) return await serverChecks(redis, endpoint.kind === 'single' ? endpoint.url : where, false);
    const results = [await clusterStateCheck(redis)];
    for (const node of redis.nodes('master')) results.push(...(await serverChecks(node, `master ${node.options.host}:${node.options.port}`, true)));
    return results;
  } catch (error) {
    return [
      {
        name: 'redis',
        status: 'problem',
        detail: `cannot reach ${where}: ${describeError(error)}`,
        fix: 'start Redis (apt-get install redis-server, or docker compose up redis), or set REDIS_URL to where it runs',
      },
    ];
  }
}
