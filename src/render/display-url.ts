/**
 * A link as a reader should see it written out: an internationalized host in its own script
 * ("https://速報.example/…"), not in the punycode the URL parser stores it as
 * ("https://xn--ols941k.example/…"). Only for text a reader reads; an href stays the parsed,
 * ASCII URL.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * Scripts that may share one label (as browsers allow): Japanese writes kanji, kana and Latin
 * together, Chinese Han with Bopomofo, Korean Han with Hangul. Any other mix (Latin with
 * Cyrillic "аpple") is how a look-alike host hides, so such a host stays in punycode.
 */
const COMPATIBLE_SCRIPTS: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];
const SCRIPTS = ['Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Devanagari', 'Thai', 'Han', 'Hiragana', 'Katakana', 'Hangul', 'Bopomofo'] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((script) => ({ script, pattern: new RegExp(`\\p{Script=${script}}`, 'u') }));

/**
 * The scripts of a label's letters ('Other' for a script not listed). Digits, hyphens, marks and
 * letters every script shares (the prolonged sound mark "ー" of 'マーケット') have none.
 */
function scriptsOf(label: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of label) {
    if (!/\p{L}/u.test(char) || /[\p{Script=Common}\p{Script=Inherited}]/u.test(char)) continue;
    scripts.add(SCRIPT_PATTERNS.find(({ pattern }) => pattern.test(char))?.script ?? 'Other');
  }
  return scripts;
}

function isSafeToShow(unicodeHost: string): boolean {
  return unicodeHost.split('.').every((label) => {
    const scripts = scriptsOf(label);
    return scripts.size <= 1 || COMPATIBLE_SCRIPTS.some((allowed) => [...scripts].every((script) => allowed.has(script)));
  });
}

/** `href` with its host in Unicode when the host is internationalized and cannot pass for another; else `href` unchanged. */
export function displayUrl(href: string): string {
  // Nearly every link has no punycode: it is returned without parsing (a host is only rewritten where href spells "//xn--…").
  if (!href.includes('xn--')) return href;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return href;
  }
  const host = url.hostname;
  // With credentials in the URL the host is not where a reader looks first: leave it as it is.
  if (!host.includes('xn--') || url.username !== '' || url.password !== '') return href;
  const unicodeHost = domainToUnicode(host);
  // Only a host that is the same host written back ("xn--zz-" decodes to a plain "zz", another host).
  if (unicodeHost === '' || unicodeHost === host || domainToASCII(unicodeHost) !== host || !isSafeToShow(unicodeHost)) return href;
  const start = href.indexOf(`//${host}`);
  return start < 0 ? href : `${href.slice(0, start + 2)}${unicodeHost}${href.slice(start + 2 + host.length)}`;
}
