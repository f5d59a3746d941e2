/**
 * Feed bytes → text. Decoding is ours (rss-parser only takes strings), and the order of
 * evidence follows what publishers actually get right most often: a BOM cannot lie, an HTTP
 * charset is set by the server that knows, the XML declaration is set by the author.
 */

export interface DecodedFeed {
  text: string;
  /** The WHATWG name of the encoding actually used (e.g. "utf-8", "shift_jis", "gbk"). */
  encoding: string;
}

/** How many bytes to inspect for an XML declaration. */
const DECLARATION_WINDOW = 1024;

/**
 * When a document claims (or is assumed) UTF-8 but this share of its non-ASCII sequences is
 * invalid, it is really a legacy single-byte encoding; below it, a few stray bytes are just noise.
 */
const INVALID_UTF8_SHARE_FOR_FALLBACK = 0.2;

const LEGACY_FALLBACK = 'windows-1252';

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
 * pattern, which also covers JSON Feed), then UTF-8, falling back to windows-1252 when UTF-8 decoding fails badly.
 * Unknown labels are skipped, never fatal.
 */
export function decodeFeed(bytes: Uint8Array, contentType?: string): DecodedFeed {
  const bom = encodingFromBom(bytes);
  if (bom) return { text: decodeWith(bom, bytes.subarray(bom === 'utf-8' ? 3 : 2)), encoding: bom };

  const declared = [charsetFromContentType(contentType), encodingFromDeclaration(bytes), encodingFromNullPattern(bytes)];
  for (const label of declared) {
    const encoding = label === undefined ? undefined : supportedEncoding(label);
    if (!encoding) continue;
    if (encoding === 'utf-8') return decodeUtf8OrLegacy(bytes);
    return { text: decodeWith(encoding, bytes), encoding };
  }
  return decodeUtf8OrLegacy(bytes);
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
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, DECLARATION_WINDOW));
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

/** The WHATWG name of a label TextDecoder can decode, else undefined. */
function supportedEncoding(label: string): string | undefined {
  const normalized = label.trim().toLowerCase();
  try {
    return new TextDecoder(LABEL_ALIASES[normalized] ?? normalized).encoding;
  } catch {
    return undefined;
  }
}

/**
 * Node 20's TextDecoder reads windows-1252 (and so iso-8859-1, which WHATWG maps to it) as
 * plain latin1, turning bytes 0x80–0x9F into invisible C1 controls; feeds use them for “smart
 * quotes”, dashes and €. This table restores what windows-1252 defines there.
 */
const WINDOWS_1252_HIGH: Record<string, string> = Object.fromEntries(
  [...'€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'].map((char, index) => [String.fromCharCode(0x80 + index), char]),
);

function decodeWith(encoding: string, bytes: Uint8Array): string {
  const text = new TextDecoder(encoding).decode(bytes);
  return encoding === 'windows-1252' ? text.replace(/[\u0080-\u009F]/g, (control) => WINDOWS_1252_HIGH[control] ?? control) : text;
}

function decodeUtf8OrLegacy(bytes: Uint8Array): DecodedFeed {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    if (invalidUtf8Share(lenient) >= INVALID_UTF8_SHARE_FOR_FALLBACK) {
      return { text: decodeWith(LEGACY_FALLBACK, bytes), encoding: LEGACY_FALLBACK };
    }
    return { text: lenient, encoding: 'utf-8' };
  }
}

/** Share of non-ASCII characters in a leniently decoded text that are replacement characters. */
function invalidUtf8Share(text: string): number {
  let nonAscii = 0;
  let replaced = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) continue;
    nonAscii++;
    if (char === '\uFFFD') replaced++;
  }
  return nonAscii === 0 ? 0 : replaced / nonAscii;
}
