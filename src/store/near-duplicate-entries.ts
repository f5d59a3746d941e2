import { fnv1a32 } from '../dedup/hash.js';
import type { Fingerprint, NearDuplicateOptions } from '../dedup/fingerprint.js';

/**
 * The fixed-size entry the Redis near-duplicate index keeps per item (layout:
 * near-duplicate-index.ts): what checking a candidate needs, and no more.
 *
 * Bytes: id (8: the 16 hex digits of every id Herald makes), feed key (uint16 LE), time
 * (uint32 LE, ms after the start of the entry's time bucket), flags, then the signature's
 * low `signatureBits` bits per value (4 bits: two values a byte, the first in the low nibble)
 * or, for a short text, 16 bytes of its digest. With the defaults that is 47 bytes.
 *
 * Any other id (tests and benches name items freely) follows the fixed part as UTF-8, with the
 * LONG_ID flag; the index keeps it beside the entry, never inside the fixed-size run.
 */

const SHORT_TEXT = 1;
const LONG_ID = 2;
const HEADER = 15;
const DIGEST_BYTES = 16;
const HEX_ID = /^[0-9a-f]{16}$/;

export type EntryLayout = Pick<NearDuplicateOptions, 'permutations' | 'signatureBits'>;

/** An indexed item as stored: its id, a 16-bit hash of its feed id, its time and (the stored part of) its fingerprint. */
export interface StoredEntry {
  id: string;
  feedKey: string;
  at: number;
  fingerprint: Fingerprint;
}

/** Bits a signature value may be cut to: whole bytes or nibbles. */
export function checkSignatureBits(bits: number): void {
  if (![4, 8, 16, 32].includes(bits)) throw new RangeError(`signatureBits must be 4, 8, 16 or 32, not ${bits}`);
}

function signatureBytes({ permutations, signatureBits }: EntryLayout): number {
  return Math.max(DIGEST_BYTES, Math.ceil((permutations * signatureBits) / 8));
}

/** Size of the fixed part of an entry. */
export function entrySize(layout: EntryLayout): number {
  return HEADER + signatureBytes(layout);
}

/** What the index compares a feed by: a 16-bit hash (a rare collision only applies the stricter same-feed threshold). */
export function feedKeyOf(feedId: string): string {
  return (fnv1a32(feedId) & 0xffff).toString(16);
}

function mask(bits: number): number {
  return bits >= 32 ? 0xffffffff : (1 << bits) - 1;
}

/** A short text's digest as stored: its first 16 bytes (128 bits of a SHA-256). */
function storedDigest(digest: string): Buffer {
  const bytes = Buffer.alloc(DIGEST_BYTES);
  Buffer.from(digest, 'base64url').copy(bytes, 0, 0, DIGEST_BYTES);
  return bytes;
}

/** The fingerprint as an entry gives it back: signature values cut to their low bits, a digest to 16 bytes. */
export function storedFingerprint(fingerprint: Fingerprint, signatureBits: number): Fingerprint {
  if (fingerprint.kind === 'short-text') return { kind: 'short-text', digest: storedDigest(fingerprint.digest).toString('base64url') };
  const low = mask(signatureBits);
  return { kind: 'minhash', signature: fingerprint.signature.map((value) => (value & low) >>> 0) };
}

function writeSignature(target: Buffer, signature: Uint32Array, bits: number): void {
  const low = mask(bits);
  signature.forEach((value, index) => {
    if (bits === 4) target[index >> 1] = target[index >> 1]! | ((value & low) << ((index & 1) * 4));
    else target.writeUIntLE((value & low) >>> 0, (index * bits) / 8, bits / 8);
  });
}

/** The signature written at `offset`. */
function readSignature(source: Buffer, offset: number, count: number, bits: number): Uint32Array {
  const signature = new Uint32Array(count);
  for (let index = 0; index < count; index += 1) {
    signature[index] = bits === 4 ? (source[offset + (index >> 1)]! >> ((index & 1) * 4)) & 0xf : source.readUIntLE(offset + (index * bits) / 8, bits / 8);
  }
  return signature;
}

/**
 * The entry of an item in the bucket starting at `bucketStart` (ms): the fixed part, followed by
 * the id as UTF-8 when it is not 16 hex digits.
 */
export function encodeEntry({ id, feedKey, at, fingerprint }: StoredEntry, bucketStart: number, layout: EntryLayout): Buffer {
  const offset = at - bucketStart;
  if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) throw new RangeError(`near-duplicate entry time ${at} is outside its bucket (starting ${bucketStart})`);
  if (fingerprint.kind === 'minhash' && fingerprint.signature.length > layout.permutations) throw new RangeError(`signature of ${fingerprint.signature.length} values does not fit ${layout.permutations}`);
  const shortId = HEX_ID.test(id);
  const fixed = Buffer.alloc(entrySize(layout));
  if (shortId) fixed.write(id, 0, 'hex');
  fixed.writeUInt16LE(Number.parseInt(feedKey, 16) & 0xffff, 8);
  fixed.writeUInt32LE(offset, 10);
  fixed[14] = (fingerprint.kind === 'short-text' ? SHORT_TEXT : 0) | (shortId ? 0 : LONG_ID);
  if (fingerprint.kind === 'short-text') storedDigest(fingerprint.digest).copy(fixed, HEADER);
  else writeSignature(fixed.subarray(HEADER), fingerprint.signature, layout.signatureBits);
  return shortId ? fixed : Buffer.concat([fixed, Buffer.from(id, 'utf8')]);
}

/** The entry encodeEntry wrote (its signature has `permutations` values; a shorter one reads back padded with zeros). */
export function decodeEntry(bytes: Buffer, bucketStart: number, layout: EntryLayout): StoredEntry {
  const size = entrySize(layout);
  const flags = bytes[14]!;
  const id = flags & LONG_ID ? bytes.toString('utf8', size) : bytes.toString('hex', 0, 8);
  const fingerprint: Fingerprint =
    flags & SHORT_TEXT
      ? { kind: 'short-text', digest: bytes.toString('base64url', HEADER, HEADER + DIGEST_BYTES) }
      : { kind: 'minhash', signature: readSignature(bytes, HEADER, layout.permutations, layout.signatureBits) };
  return { id, feedKey: bytes.readUInt16LE(8).toString(16), at: bucketStart + bytes.readUInt32LE(10), fingerprint };
}
