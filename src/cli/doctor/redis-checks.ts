import type { Redis } from 'ioredis';
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

/** Version, persistence and eviction policy of the Redis Herald uses. */
export async function checkRedis(redis: Redis, url: string): Promise<CheckResult[]> {
  let info: Map<string, string>;
  try {
    info = parseRedisInfo(await redis.info());
  } catch (error) {
    return [
      {
        name: 'redis',
        status: 'problem',
        detail: `cannot reach Redis at ${url}: ${describeError(error)}`,
        fix: 'start Redis (apt-get install redis-server, or docker compose up redis), or set REDIS_URL to where it runs',
      },
    ];
  }
  return [versionCheck(info, url), await persistenceCheck(redis, info), evictionCheck(info)];
}
