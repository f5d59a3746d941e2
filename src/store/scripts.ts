import type { Result, ClientContext } from 'ioredis';
import type { RedisClient } from './client.js';

/**
 * Lua scripts the store needs for atomic check-and-write steps. A script runs as one unit on the
 * server, so two workers racing cannot interleave between the check and the write.
 */

/** KEYS[1] guard, KEYS[2] target hash; ARGV[1] '1' to replace the hash, then field/value pairs. */
const HSET_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then redis.call('DEL', KEYS[2]) end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1`;

/**
 * KEYS[1] item, KEYS[2] index, KEYS[3…] seen markers of the item's exact keys;
 * ARGV[1] item id, ARGV[2] item JSON, ARGV[3] ttl (s), ARGV[4] index score, ARGV[5] '1' to store the item.
 * A duplicate refreshes the markers' ttl, so an entry that a feed keeps listing stays known as
 * long as the feed lists it, and marks its other keys as belonging to the item that came first.
 * Returns 1 when stored, 2 when another item claimed a key first (a duplicate), else 0 (an entry
 * seen before, or one too old to keep).
 */
const ADD_ITEM_IF_UNSEEN = `
local owner = false
for i = 3, #KEYS do
  owner = redis.call('GET', KEYS[i])
  if owner then break end
end
if owner then
  for i = 3, #KEYS do
    if redis.call('EXPIRE', KEYS[i], ARGV[3]) == 0 then redis.call('SET', KEYS[i], owner, 'EX', ARGV[3]) end
  end
  if owner == ARGV[1] then return 0 end
  return 2
end
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'EX', ARGV[3]) end
if ARGV[5] ~= '1' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1`;

/** KEYS[1] lock; ARGV[1] the holder's token. Deletes the lock only if this holder still owns it. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext> {
    heraldHsetIfExists(guardKey: string, targetKey: string, replace: '0' | '1', ...fieldsAndValues: string[]): Result<number, Context>;
    heraldAddItemIfUnseen(numberOfKeys: number, ...keysThenArgs: string[]): Result<number, Context>;
    heraldReleaseLock(lockKey: string, token: string): Result<number, Context>;
  }
}

/**
 * Defines Herald's scripts on a connection (idempotent). ioredis then calls them by SHA and
 * reloads them by itself after a Redis restart.
 */
export function withStoreScripts<Client extends RedisClient>(redis: Client): Client {
  if (!redis.heraldReleaseLock) {
    redis.defineCommand('heraldHsetIfExists', { numberOfKeys: 2, lua: HSET_IF_EXISTS });
    redis.defineCommand('heraldAddItemIfUnseen', { lua: ADD_ITEM_IF_UNSEEN });
    redis.defineCommand('heraldReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
  }
  return redis;
}
