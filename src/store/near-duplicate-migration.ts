import type { RedisClient } from './client.js';
import { BAND_GROUPS, FIELD_BITS, FIELD_BYTES, fieldOf, RECORD_BYTES, UNKNOWN_CHECK } from './near-duplicate-index.js';
import { withNearDuplicateScripts } from './near-duplicate-scripts.js';
import { createStoryKeys } from './story-keys.js';

/**
 * Moves the band records of near-duplicate index layout 4 into today's (layout:
 * near-duplicate-index.ts), so an upgraded Herald still finds the items indexed before it.
 *
 * Layout 4 kept a band group's records in fields of the band and the band hash's first 11 bits
 * (2 bytes), 4 bytes a record: the hash's bits 11 to 20 (the tail), the entry's bucket modulo
 * 8, shard and ordinal. Today's fields take one bit more of the hash (the tail's first, so a
 * record tells its new field) and records a fifth byte, the check; a layout-4 record does not
 * know it (the bits past its tail are gone with the signature's high bits) and is marked
 * UNKNOWN_CHECK, so lookups find it on its tail alone, as layout 4 did. Entries kept their
 * layout and their keys (`{nd4-e…}`): the records point at them as they did.
 */

/** Layout 4's field bits and record size. */
const LAYOUT4_FIELD_BITS = 11;
const LAYOUT4_RECORD_BYTES = 4;

/** Records of one layout-4 field, each with its check byte, by today's field they go to. */
function migratedRecords(field: number, records: Buffer, into: Map<number, Buffer[]>): void {
  const band = field >>> LAYOUT4_FIELD_BITS;
  const prefix = field & ((1 << LAYOUT4_FIELD_BITS) - 1);
  for (let at = 0; at + LAYOUT4_RECORD_BYTES <= records.length; at += LAYOUT4_RECORD_BYTES) {
    // The tail's first bit is the hash's bit 11, the new field's last.
    const hashPrefix = (prefix << 1) | (records[at]! >>> 7);
    const target = fieldOf(band, hashPrefix << (32 - FIELD_BITS));
    const record = Buffer.alloc(RECORD_BYTES, UNKNOWN_CHECK);
    records.copy(record, 0, at, at + LAYOUT4_RECORD_BYTES);
    const list = into.get(target);
    if (list) list.push(record);
    else into.set(target, [record]);
  }
}

/**
 * Moves one band group's layout-4 hash, if there is one; returns whether there was. The hash is
 * taken (read and deleted) in one step, so two starts never both move it; one that stops
 * before putting the records back loses them (missed matches within the window, never a wrong one).
 */
async function migrateGroup(redis: RedisClient, from: string, to: string): Promise<boolean> {
  const scripts = withNearDuplicateScripts(redis);
  // Buffers: a field's two bytes are binary, which a reply read as UTF-8 does not keep.
  const taken = await scripts.heraldNdTakeHashBuffer(from);
  if (taken === null) return false;
  const [ttl, flat] = taken;
  const byField = new Map<number, Buffer[]>();
  for (let at = 0; at + 1 < flat.length; at += 2) migratedRecords(flat[at]!.readUInt16BE(0), flat[at + 1]!, byField);
  const args = [...byField].flatMap(([field, records]) => {
    const name = Buffer.alloc(FIELD_BYTES);
    name.writeUIntBE(field, 0, FIELD_BYTES);
    return [name, Buffer.concat(records)];
  });
  await scripts.heraldNdPrependRecords(to, Math.max(0, ttl), ...args);
  return true;
}

/**
 * Moves every band group's layout-4 records into today's hash of the group, before those it
 * holds, and deletes the layout-4 hash. Runs at every start (one script call per group while
 * there is nothing to move). An older Herald still running (a rolling upgrade) writes layout-4 records
 * again after this: the next start moves them; until then a newer Herald does not find those
 * items (a missed match, never a wrong one), nor an older one what a newer indexed. Returns the
 * number of groups moved.
 */
export async function migrateNearDuplicateBands(redis: RedisClient, prefix: string): Promise<number> {
  const keys = createStoryKeys(prefix);
  const groups = Array.from({ length: BAND_GROUPS }, (_, group) => migrateGroup(redis, keys.nearDuplicateLayout4Bands(group), keys.nearDuplicateBands(group)));
  return (await Promise.all(groups)).filter(Boolean).length;
}
