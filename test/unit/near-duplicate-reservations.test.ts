import { describe, expect, it } from 'vitest';
import { EntryReservations } from '../../src/store/near-duplicate-reservations.js';

const PER_CHUNK = 4;

describe('EntryReservations', () => {
  it('asks for enough chunks for a batch and one more like it, then hands out consecutive ordinals chunk by chunk', () => {
    const reservations = new EntryReservations(4, PER_CHUNK, 100);
    const [request, ...rest] = reservations.shortfall(new Map([[7, 3]]));
    expect(rest).toEqual([]);
    expect(request).toMatchObject({ bucket: 7, chunks: 2 });
    // The entry hash's counter went from 10 to 12: chunks 10 and 11 are this index's.
    reservations.grant(request!, 12, 0);
    expect(reservations.room(7)).toBe(8);
    const ordinals = Array.from({ length: 6 }, () => reservations.take(7, 0)!.ordinal);
    expect(ordinals).toEqual([40, 41, 42, 43, 44, 45]);
    expect(reservations.shortfall(new Map([[7, 2]]))).toEqual([]);
    expect(reservations.take(8, 0)).toBeUndefined();
  });

  it('asks ahead only when a batch like the last would not fit, and spreads its requests over the shards', () => {
    const reservations = new EntryReservations(4, PER_CHUNK, 100);
    const first = reservations.shortfall(new Map([[1, 1], [2, 1]]));
    expect(new Set(first.map(({ shard }) => shard)).size).toBe(2);
    first.forEach((request) => reservations.grant(request, request.chunks, 0));
    expect(reservations.ahead(new Map([[1, 1]]))).toEqual([]);
    for (let taken = 0; taken < 3; taken += 1) reservations.take(1, 0);
    expect(reservations.ahead(new Map([[1, 2]]))).toMatchObject([{ bucket: 1, chunks: 1 }]);
  });

  it('asks one entry hash for at least its fewest chunks at once, and hands out their ordinals in a run', () => {
    const reservations = new EntryReservations(4, PER_CHUNK, 100, 3);
    const [request] = reservations.shortfall(new Map([[2, 1]]));
    expect(request).toMatchObject({ bucket: 2, chunks: 3 });
    reservations.grant(request!, 3, 0);
    expect(Array.from({ length: 3 * PER_CHUNK }, () => reservations.take(2, 0))).toEqual(Array.from({ length: 3 * PER_CHUNK }, (_, ordinal) => ({ shard: request!.shard, bucket: 2, ordinal })));
    expect(reservations.ahead(new Map([[2, 5]]))).toMatchObject([{ bucket: 2, chunks: 3 }]);
  });

  it('uses no chunk past what an entry hash holds, gives up a chunk that is not its own, and forgets idle buckets', () => {
    const reservations = new EntryReservations(4, PER_CHUNK, 3);
    reservations.grant({ shard: 0, bucket: 5, chunks: 2 }, 4, 0);
    // Chunk 3 is past the hash's 3 chunks: only chunk 2 is usable.
    expect(reservations.room(5)).toBe(PER_CHUNK);
    reservations.drop(0, 5, 2);
    expect(reservations.room(5)).toBe(0);
    reservations.grant({ shard: 1, bucket: 6, chunks: 1 }, 1, 0);
    reservations.take(6, 1_000);
    reservations.prune(2_000, 1_500);
    expect(reservations.room(6)).toBe(PER_CHUNK - 1);
    reservations.prune(3_000, 1_500);
    expect(reservations.room(6)).toBe(0);
  });
});
