import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientContext, Result } from 'ioredis';
import type { RedisClient } from '../store/client.js';

/** Something that caps how many tasks run at once per host. */
export interface HostLimit {
  /** Runs `task` once a slot for `host` is free; settles as the task does. */
  run<T>(host: string, task: () => Promise<T>): Promise<T>;
}

interface HostSlots {
  active: number;
  waiting: Array<() => void>;
}

/**
 * Caps how many tasks run at once per host, in this process; tasks over the cap wait their turn
 * in arrival order. Being polite to one publisher must not slow down the others, hence per host.
 */
export class HostLimiter implements HostLimit {
  private readonly hosts = new Map<string, HostSlots>();

  constructor(readonly perHost: number) {
    if (!Number.isInteger(perHost) || perHost < 1) throw new RangeError(`perHost must be a whole number of at least 1, got ${perHost}`);
  }

  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(host);
    try {
      return await task();
    } finally {
      this.release(host);
    }
  }

  private acquire(host: string): Promise<void> {
    let slots = this.hosts.get(host);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.hosts.set(host, slots);
    }
    if (slots.active < this.perHost) {
      slots.active += 1;
      return Promise.resolve();
    }
    const queue = slots.waiting;
    return new Promise((resolve) => queue.push(resolve));
  }

  private release(host: string): void {
    const slots = this.hosts.get(host);
    if (!slots) return;
    const next = slots.waiting.shift();
    // The freed slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else if (--slots.active === 0) this.hosts.delete(host);
  }
}

/**
 * KEYS[1] the host's leases (sorted set: token → expiry, ms by Redis's clock). ARGV[1] token,
 * ARGV[2] slots per host, ARGV[3] lease (ms). Drops expired leases (a crashed worker's), then
 * takes a slot if one is free: returns 0, else the ms until the earliest lease expires.
 */
const TAKE_LEASE = `
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 0
end
return tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]) - now`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldTakeHostLease(leasesKey: string, token: string, perHost: number, leaseMs: number): Result<number, Context>;
  }
}

/** How often a task waiting for a slot held elsewhere asks again (plus jitter, so waiters do not ask in step). */
const RETRY_MS = 100;

export interface RedisHostLimiterOptions {
  /** Slots per host across every process. */
  perHost: number;
  /** How long a lease lasts: longer than any task (a fetch's deadline), so only a dead holder's lease runs out. */
  leaseMs: number;
  /** Puts the lease key of a host together, e.g. `herald:host-leases:`. */
  keyPrefix: string;
}

/**
 * The per-host cap shared by every worker process through Redis: a slot is a lease in the
 * host's sorted set, taken by a script and given back when the task ends. A worker that dies
 * holding one loses it when the lease runs out, so its slots come back by themselves. Tasks of
 * this process first queue in a local HostLimiter of the same size, so no more than `perHost`
 * of them per host ask Redis at a time. Each host is one key: one slot, whatever the cluster.
 */
export class RedisHostLimiter implements HostLimit {
  private readonly local: HostLimiter;
  private readonly redis: RedisClient;

  constructor(
    redis: RedisClient,
    private readonly options: RedisHostLimiterOptions,
  ) {
    this.local = new HostLimiter(options.perHost);
    this.redis = redis;
    if (!redis.heraldTakeHostLease) redis.defineCommand('heraldTakeHostLease', { numberOfKeys: 1, lua: TAKE_LEASE });
  }

  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(host, async () => {
      const key = `${this.options.keyPrefix}${host}`;
      const token = randomUUID();
      for (;;) {
        const waitMs = await this.redis.heraldTakeHostLease(key, token, this.options.perHost, this.options.leaseMs);
        if (waitMs === 0) break;
        await sleep(Math.min(waitMs, RETRY_MS) + Math.random() * RETRY_MS);
      }
      try {
        return await task();
      } finally {
        await this.redis.zrem(key, token);
      }
    });
  }
}
