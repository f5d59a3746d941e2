/**
 * Feed bytes → text. Decoding is ours (rss-parser only takes strings), and the order of
 * evidence follows what publishers actually get right most often: a BOM cannot lie, an HTTP
 * charset is set by the server that knows, the XML declaration is set by the author. Only
 * when all three are silent (or named UTF-8 for bytes that are not) is the encoding guessed.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';

/** The detector (a large model) is loaded the first time a feed needs it, not by every process that decodes. */
const require = createRequire(import.meta.url);
let detector: typeof import('jschardet')['chardet'] | undefined;
const chardet = () => (detector ??= (require('jschardet') as typeof import('jschardet')).chardet);

export interface DecodedFeed {
  text: string;
  /** The WHATWG name of the encoding actually used (e.g. "utf-8", "shift_jis", "gb18030"). */
  encoding: string;
}

/** How many bytes to inspect for an XML declaration. */
const DECLARATION_WINDOW = 1024;

/**
 * When a document claims (or is assumed) UTF-8 but this share of its non-ASCII sequences is
 * invalid, it is really a legacy single-byte encoding; below it, a few stray bytes are just noise.
 */
const INVALID_UTF8_SHARE_FOR_FALLBACK = 0.2;

/** What the web falls back to for unlabelled legacy text, and what a guess that says nothing useful gives. */
const LEGACY_FALLBACK = 'windows-1252';

/** The detector reads this much: a feed's first items say which encoding it is in. */
const DETECTION_WINDOW = 64 * 1024;
/**
 * Below this many non-ASCII bytes a detector's answer is a coin toss ("café" reads the same in
 * half the Latin code pages), so the bytes are read as windows-1252, as browsers do.
 */
const MIN_NON_ASCII_BYTES_TO_DETECT = 16;

/**
 * Labels TextDecoder does not know but feeds use in the wild, and GB labels mapped to their
 * superset gb18030 so the reported encoding says what really decoded the text.
 */
const LABEL_ALIASES: Record<string, string> = {
  cp932: 'shift_jis',
  cp949: 'euc-kr',
  cp874: 'windows-874',
  gb2312: 'gb18030',
  gbk: 'gb18030',
};

/**
 * Bytes → text. Precedence: BOM, then HTTP charset (content-type header), then the XML
 * declaration's encoding (or, for a document without one, UTF-16 recognised by its null-byte
 * pattern, which also covers JSON Feed), then UTF-8; when UTF-8 decoding fails badly, the
 * encoding is detected from the bytes (jschardet, among the encodings of today's web), with
 * windows-1252 when the detector names nothing Herald can decode. Valid UTF-8 (ASCII too) is
 * never guessed into anything else. Unknown labels are skipped, never fatal. Two corrections for servers
 * that label every response with a default charset: a UTF-8 label on bytes that are not UTF-8
 * gives way to the next piece of evidence, and a header's other charset gives way to valid
 * multi-byte UTF-8 that the document itself declares.
 */
export function decodeFeed(bytes: Uint8Array, contentType?: string): DecodedFeed {
  const bom = encodingFromBom(bytes);
  if (bom) return { text: decodeWith(bom, bytes.subarray(bom === 'utf-8' ? 3 : 2)), encoding: bom };

  let utf8: Utf8Reading | undefined;
  const readAsUtf8 = () => (utf8 ??= readUtf8(bytes));
  const header = supportedEncoding(charsetFromContentType(contentType));
  const declared = supportedEncoding(encodingFromDeclaration(bytes) ?? encodingFromNullPattern(bytes));
  if (header && header !== 'utf-8' && declared === 'utf-8' && readAsUtf8().valid && readAsUtf8().multiByte) return readAsUtf8().decoded;
  for (const encoding of [header, declared]) {
    if (encoding === undefined) continue;
    if (encoding !== 'utf-8') return { text: decodeWith(encoding, bytes), encoding };
    if (!readAsUtf8().badlyInvalid) return readAsUtf8().decoded;
  }
  if (!readAsUtf8().badlyInvalid) return readAsUtf8().decoded;
  const detected = detectEncoding(bytes);
  return { text: decodeWith(detected, bytes), encoding: detected };
}

/**
 * The legacy encoding of bytes that declare none. The detector only weighs the encodings web
 * pages and feeds use today (no DOS or Mac code pages, no EBCDIC), so a short Latin text is
 * not taken for one of those.
 */
function detectEncoding(bytes: Uint8Array): string {
  const window = bytes.subarray(0, DETECTION_WINDOW);
  if (countHighBytes(window) < MIN_NON_ASCII_BYTES_TO_DETECT) return LEGACY_FALLBACK;
  const { encoding } = chardet().detect(window, { encodingEra: chardet().EncodingEra.MODERN_WEB });
  const supported = supportedEncoding(encoding ?? undefined);
  return supported === undefined || supported === 'utf-8' ? LEGACY_FALLBACK : supported;
}

/** The charset parameter of a Content-Type header value, if any. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  return contentType?.match(/;\s*charset\s*=\s*["']?([^"';\s]+)/i)?.[1];
}

function encodingFromBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * The declaration is ASCII in every ASCII-compatible encoding, so reading the head as latin1
 * finds it whatever the document's real encoding is. A UTF-16 document without a BOM is
 * recognised by its null bytes instead (see encodingFromNullPattern).
 */
function encodingFromDeclaration(bytes: Uint8Array): string | undefined {
  const head = LATIN1.decode(bytes.subarray(0, DECLARATION_WINDOW));
  const label = head.match(/^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/)?.[1];
  // A declaration readable as ASCII proves the document is not UTF-16, whatever it says.
  return label && /^utf-?16/i.test(label) ? undefined : label;
}

/** UTF-16 without a BOM: XML or JSON starts with an ASCII character, so one byte of the pair is 0. */
function encodingFromNullPattern(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) return undefined;
  if (bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0) return 'utf-16be';
  if (bytes[0] !== 0 && bytes[1] === 0 && bytes[3] === 0) return 'utf-16le';
  return undefined;
}

/** Labels already looked up (feeds repeat a handful), bounded as a hostile server could send a new one each time. */
const supportedByLabel = new Map<string, string | undefined>();
const MAX_REMEMBERED_LABELS = 256;

/** The WHATWG name of a label TextDecoder can decode, else undefined. */
function supportedEncoding(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  if (supportedByLabel.has(label)) return supportedByLabel.get(label);
  if (supportedByLabel.size >= MAX_REMEMBERED_LABELS) supportedByLabel.clear();
  const normalized = label.trim().toLowerCase();
  let supported: string | undefined;
  try {
    supported = new TextDecoder(LABEL_ALIASES[normalized] ?? normalized).encoding;
  } catch {
    supported = undefined;
  }
  supportedByLabel.set(label, supported);
  return supported;
}

/**
 * Node 20's TextDecoder reads windows-1252 (and so iso-8859-1, which WHATWG maps to it) as
 * plain latin1, turning bytes 0x80–0x9F into invisible C1 controls; feeds use them for “smart
 * quotes”, dashes and €. This table restores what windows-1252 defines there.
 */
const WINDOWS_1252_HIGH: Record<string, string> = Object.fromEntries(
  [...'€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'].map((char, index) => [String.fromCharCode(0x80 + index), char]),
);

/** Decoders are stateless between whole-document decode() calls, so one per encoding is kept. */
const UTF8 = new TextDecoder('utf-8');
const LATIN1 = new TextDecoder('latin1');

function decodeWith(encoding: string, bytes: Uint8Array): string {
  const text = (encoding === 'utf-8' ? UTF8 : new TextDecoder(encoding)).decode(bytes);
  return encoding === 'windows-1252' ? text.replace(/[\u0080-\u009F]/g, (control) => WINDOWS_1252_HIGH[control] ?? control) : text;
}

function countHighBytes(bytes: Uint8Array): number {
  let count = 0;
  for (const byte of bytes) if (byte >= 0x80) count++;
  return count;
}

/** What reading the bytes as UTF-8 gives, and how well it went. */
interface Utf8Reading {
  decoded: DecodedFeed;
  valid: boolean;
  /** The bytes hold multi-byte sequences (mere ASCII is valid UTF-8 and proves nothing). */
  multiByte: boolean;
  /** So many sequences are invalid that the bytes are really a legacy encoding. */
  badlyInvalid: boolean;
}

function readUtf8(bytes: Uint8Array): Utf8Reading {
  const text = UTF8.decode(bytes);
  // Valid UTF-8 (nearly every feed) needs no count: a U+FFFD in it was written by the feed, not made by decoding.
  if (isUtf8(bytes)) {
    return { decoded: { text, encoding: 'utf-8' }, valid: true, multiByte: !isAscii(bytes), badlyInvalid: false };
  }
  const { nonAscii, replaced } = countNonAscii(text);
  return {
    decoded: { text, encoding: 'utf-8' },
    valid: replaced === 0,
    multiByte: nonAscii > replaced,
    badlyInvalid: nonAscii > 0 && replaced / nonAscii >= INVALID_UTF8_SHARE_FOR_FALLBACK,
  };
}

/** Non-ASCII characters in a leniently decoded text, and how many of them are replacement characters. */
function countNonAscii(text: string): { nonAscii: number; replaced: number } {
  let nonAscii = 0;
  let replaced = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) continue;
    nonAscii++;
    if (code === 0xfffd) replaced++;
  }
  return { nonAscii, replaced };
}
