import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintItem, fingerprintSimilarity, type Fingerprint } from '../../src/dedup/fingerprint.js';
import { estimatedJaccard, minHashSignature } from '../../src/dedup/minhash.js';
import { InMemoryNearDuplicateIndex } from '../../src/dedup/near-duplicate-index.js';
import { shingles } from '../../src/dedup/shingles.js';
import { isMostlySpaceless } from '../../src/dedup/text.js';
import { normalizeForComparison } from '../../src/text/fold.js';
import { decodeEntry, encodeEntry, entrySize, feedKeyOf, storedFingerprint } from '../../src/store/near-duplicate-entries.js';
import { loadLabelledSet } from '../fixtures/dedup/labelled-set.js';

const WIRE =
  'A magnitude 6.8 earthquake struck off the coast of central Chile early on Tuesday, shaking buildings in Valparaíso and Santiago, the U.S. Geological Survey said. ' +
  'The quake hit at a depth of 31 kilometres about 70 kilometres west of Valparaíso. Chile\'s navy said there was no tsunami threat to the coast.';

describe('shingles', () => {
  it('uses character n-grams for Japanese, punctuation and spaces removed', () => {
    expect([...shingles('東京都で、震度5強')]).toEqual(['東京都で', '京都で震', '都で震度', 'で震度5', '震度5強']);
    expect([...shingles('東京都で震度5強', { charGram: 2, wordGram: 3 })]).toEqual(['東京', '京都', '都で', 'で震', '震度', '度5', '5強']);
  });

  it('uses word trigrams for space-separated scripts', () => {
    expect([...shingles('Der FC Bayern gewinnt klar')]).toEqual(['der fc bayern', 'fc bayern gewinnt', 'bayern gewinnt klar']);
    expect([...shingles('Цены на нефть выросли')]).toEqual(['цены на нефть', 'на нефть выросли']);
  });

  it('decides the script by the characters: Chinese and Thai have no spaces, an English text quoting Japanese does', () => {
    expect(isMostlySpaceless('国家统计局今天发布数据')).toBe(true);
    expect(isMostlySpaceless('ฝนตกหนักในกรุงเทพ')).toBe(true);
    expect(isMostlySpaceless('The word for earthquake is 地震 in Japanese')).toBe(false);
  });

  it('normalizes with NFKC before shingling, so full-width and half-width forms match', () => {
    expect(shingles('ＡＢＣ　ニュース　２０２５年')).toEqual(shingles('ABC ニュース 2025年'));
  });
});

describe('MinHash', () => {
  it('estimates Jaccard similarity within a few points', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 40, maxLength: 200 }), fc.double({ min: 0.1, max: 0.9, noNaN: true }), (values, keep) => {
        const a = values.map(String);
        const b = [...a.slice(0, Math.floor(a.length * keep)), ...a.map((value) => `other-${value}`).slice(0, Math.floor(a.length * (1 - keep)))];
        const setB = new Set(b);
        const shared = a.filter((value) => setB.has(value)).length;
        const jaccard = shared / (a.length + setB.size - shared);
        const estimate = estimatedJaccard(minHashSignature(a, 256), minHashSignature(b, 256));
        expect(Math.abs(estimate - jaccard)).toBeLessThan(0.15);
      }),
      { numRuns: 60 },
    );
  });
});

describe('near-duplicate fingerprints', () => {
  it('sees a reprint with a changed headline and a dateline as a near-duplicate', () => {
    const original = fingerprintItem({ title: 'Magnitude 6.8 earthquake strikes off central Chile', text: WIRE });
    const reprint = fingerprintItem({ title: 'Strong quake rattles Valparaíso, no tsunami threat', text: `SANTIAGO (GPW) — ${WIRE}` });
    expect(fingerprintSimilarity(original, reprint)).toBeGreaterThanOrEqual(0.8);
  });

  it('does not see a different earthquake told in the same words as a near-duplicate', () => {
    const chile = fingerprintItem({ title: 'Quake', text: WIRE });
    const peru = fingerprintItem({
      title: 'Quake',
      text: 'A magnitude 5.9 earthquake struck northern Peru on Sunday, damaging churches in Piura and Chiclayo, the national geophysics institute said. The quake hit at a depth of 45 kilometres. The navy said there was no tsunami threat.',
    });
    expect(fingerprintSimilarity(chile, peru)).toBeLessThan(0.2);
  });

  it('never lets two different short texts collide, and matches a short text only with its exact twin', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ minLength: 1, maxLength: 12 }), (a, b) => {
        const first = fingerprintItem({ title: 'Live', text: a });
        const second = fingerprintItem({ title: 'Live', text: b });
        expect(first.kind).toBe('short-text');
        const sameNormalizedText = normalizeForComparison(a) === normalizeForComparison(b);
        expect(fingerprintSimilarity(first, second)).toBe(sameNormalizedText ? 1 : 0);
      }),
    );
    const index = new InMemoryNearDuplicateIndex();
    index.addSync('a', fingerprintItem({ title: 'Live updates', text: 'Follow our live coverage.' }), 0, 'live');
    index.addSync('b', fingerprintItem({ title: 'Markets live', text: 'Stocks open higher.' }), 0, 'live');
    expect(index.querySync(fingerprintItem({ title: 'Weather warning', text: 'Amber warning for wind.' }), 0, 'live')).toEqual([]);
    expect(index.querySync(fingerprintItem({ title: 'Live updates', text: 'Follow our  live coverage.' }), 0, 'live')).toEqual(['a']);
  });
});

describe('InMemoryNearDuplicateIndex', () => {
  const fingerprint = fingerprintItem({ title: 'Chile quake', text: WIRE });
  const hour = 3600_000;

  it('finds an indexed reprint inside the window and forgets it outside', async () => {
    const index = new InMemoryNearDuplicateIndex({ windowMs: 72 * hour });
    await index.add('wire', fingerprint, 0, 'wire');
    expect(await index.query(fingerprint, 10 * hour, 'paper')).toEqual(['wire']);
    expect(await index.query(fingerprint, 73 * hour, 'paper')).toEqual([]);
  });

  it('holds two entries of one feed to the stricter same-feed threshold, so a template feed keeps its entries apart', () => {
    const dispatches = loadLabelledSet().filter((entry) => entry.item.feedId === 'stadtfeuerwehr-weiz');
    const [first, second] = ['corpus-de-rss091stadtf-15', 'corpus-de-rss091stadtf-14'].map((id) => dispatches.find((entry) => entry.item.id === id)!.item);
    const index = new InMemoryNearDuplicateIndex();
    index.addSync(first!.id, fingerprintItem(first!), 0, first!.feedId);
    const similarity = fingerprintSimilarity(fingerprintItem(first!), fingerprintItem(second!));
    expect(similarity).toBeGreaterThanOrEqual(index.options.threshold);
    expect(similarity).toBeLessThan(index.options.sameFeedThreshold);
    expect(index.querySync(fingerprintItem(second!), 0, second!.feedId)).toEqual([]);
    expect(index.querySync(fingerprintItem(second!), 0, 'a-reprinting-outlet')).toEqual([first!.id]);
  });

  it('evicts entries that fell out of the window behind the newest item', () => {
    const index = new InMemoryNearDuplicateIndex({ windowMs: hour });
    index.addSync('old', fingerprint, 0, 'wire');
    index.addSync('other', fingerprintItem({ title: 'x', text: 'Completely different words about a football match in Liverpool on Saturday afternoon at Anfield.' }), 2 * hour, 'wire');
    expect(index.size).toBe(1);
    expect(index.querySync(fingerprint, 0, 'paper')).toEqual([]);
  });
});

describe('stored near-duplicate entries', () => {
  it('round-trip any id, feed, time in the bucket and fingerprint, the signature cut to its low bits', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme' }), fc.stringMatching(/^[0-9a-f]{16}$/)),
        fc.string({ unit: 'grapheme' }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.uint32Array({ minLength: 1, maxLength: 128 }),
        fc.constantFrom(4, 8, 16, 32),
        fc.string({ maxLength: 30 }),
        fc.boolean(),
        (id, feedId, bucketStart, offset, signature, signatureBits, digest, short) => {
          const layout = { permutations: signature.length, signatureBits };
          const fingerprint: Fingerprint = short ? { kind: 'short-text', digest } : { kind: 'minhash', signature };
          const entry = { id, feedKey: feedKeyOf(feedId), at: bucketStart + offset, fingerprint };
          expect(decodeEntry(encodeEntry(entry, bucketStart, layout), bucketStart, layout)).toEqual({ ...entry, fingerprint: storedFingerprint(fingerprint, signatureBits) });
        },
      ),
    );
  });

  it('keeps a short text apart from any other by 128 bits of its digest', () => {
    const [first, second] = ['Live updates', 'Live update'].map((title) => fingerprintItem({ title, text: '' }));
    expect(fingerprintSimilarity(storedFingerprint(first!, 4), storedFingerprint(first!, 4))).toBe(1);
    expect(fingerprintSimilarity(storedFingerprint(first!, 4), storedFingerprint(second!, 4))).toBe(0);
  });

  it('stores an item Herald makes (16-hex-digit id, 64 values of 4 bits) in 47 bytes, any other id after them', () => {
    const fingerprint = fingerprintItem({ title: 't', text: 'Some words that make a text long enough to be shingled for a MinHash signature of its own.' });
    const layout = { permutations: 64, signatureBits: 4 };
    const short = encodeEntry({ id: '0123456789abcdef', feedKey: feedKeyOf('feed'), at: 5, fingerprint }, 0, layout);
    const long = encodeEntry({ id: '0123456789abcdeX', feedKey: feedKeyOf('feed'), at: 5, fingerprint }, 0, layout);
    expect(short.length).toBe(47);
    expect(entrySize(layout)).toBe(47);
    expect(long.length - short.length).toBe(16);
  });
});
