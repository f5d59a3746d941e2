/**
 * Query parameters that only say how a reader arrived (campaigns, click ids, referrers):
 * they never change the article, so two links that differ only in them are the same story.
 */
const TRACKING_PARAMS = new Set([
  '_ga', '_gl', '_hsenc', '_hsmi', 'at_campaign', 'at_medium', 'cmp', 'cmpid', 'dclid', 'fbclid', 'gclid', 'gclsrc',
  'guccounter', 'igshid', 'mc_cid', 'mc_eid', 'mkt_tok', 'msclkid', 'ocid', 'oly_anon_id', 'oly_enc_id', 'ref',
  'ref_src', 'ref_url', 's_cid', 'smid', 'smtyp', 'spm', 'twclid', 'vero_id', 'wt.mc_id', 'wt_mc_id', 'yclid',
]);

/** `?amp`, `?amp=1`, `?amp=true`: the AMP rendering of the same article. */
const AMP_VALUES = new Set(['', '1', 'true']);

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Canonical form: lower-case scheme/host, https for http (so http/https variants match), default
 * ports removed, fragment and credentials removed, tracking params removed (utm_*, fbclid, gclid,
 * mc_cid, mc_eid, igshid, ref, ref_src, cmpid, ocid, _ga, spm, …), remaining params sorted,
 * trailing slash on the path removed (except root), `amp`/`amp=1` and trailing `/amp` removed,
 * percent-encoding normalized; relative URLs resolved against `base`. undefined when not an
 * http(s) URL.
 */
export function canonicalizeUrl(url: string, base?: string): string | undefined {
  const parsed = parseHttpUrl(url, base);
  return parsed && canonicalUrlOf(parsed);
}

/** A link with an http(s) scheme and an authority: a valid base plays no part in how it parses. */
const ABSOLUTE_HTTP_URL = /^https?:\/\//i;

/** `url` resolved against `base` when it is (or becomes) an http(s) URL. */
export function parseHttpUrl(url: string, base?: string): URL | undefined {
  const input = url.trim();
  let parsed: URL;
  try {
    // `new URL` parses its base again at every call; most feed links are absolute and need none.
    parsed = base !== undefined && ABSOLUTE_HTTP_URL.test(input) && isValidBase(base) ? new URL(input) : new URL(input, base);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
}

/** The last base checked, since every link of a feed has the same one; an invalid base fails every parse, absolute links too. */
let lastBase: string | undefined;
let lastBaseIsValid = false;

function isValidBase(base: string): boolean {
  if (base !== lastBase) {
    lastBase = base;
    lastBaseIsValid = URL.canParse(base);
  }
  return lastBaseIsValid;
}

/** canonicalizeUrl of an http(s) URL parseHttpUrl already gave, for callers that need other parts of it too. */
export function canonicalUrlOf(parsed: URL): string | undefined {
  const host = parsed.hostname.replace(/\.$/, '');
  if (host === '') return undefined;
  // A port that is the default of either scheme is dropped, since http becomes https below.
  const port = parsed.port === '' || parsed.port === '80' || parsed.port === '443' ? '' : `:${parsed.port}`;
  const query = canonicalQuery(parsed.search);
  return `https://${host}${port}${canonicalPath(parsed.pathname)}${query === '' ? '' : `?${query}`}`;
}

/** Trailing slashes and `/amp` segments trimmed from the end by index, never by a backtracking regex. */
function canonicalPath(pathname: string): string {
  const path = normalizePercentEncoding(pathname);
  let end = path.length;
  for (;;) {
    while (end > 0 && path[end - 1] === '/') end--;
    if (end < 4 || path.slice(end - 4, end).toLowerCase() !== '/amp') break;
    end -= 4;
  }
  return end === 0 ? '/' : path.slice(0, end);
}

function canonicalQuery(search: string): string {
  if (search === '') return '';
  return search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '')
    .map(normalizePercentEncoding)
    .filter((pair) => !isNoiseParam(pair))
    .sort()
    .join('&');
}

function isNoiseParam(pair: string): boolean {
  const separator = pair.indexOf('=');
  const name = (separator === -1 ? pair : pair.slice(0, separator)).toLowerCase();
  const value = separator === -1 ? '' : pair.slice(separator + 1).toLowerCase();
  return name.startsWith('utm_') || TRACKING_PARAMS.has(name) || (name === 'amp' && AMP_VALUES.has(value));
}

/**
 * One spelling per character: escapes of unreserved characters are decoded (`%7E` → `~`),
 * all other escapes upper-cased (`%2f` → `%2F`), as RFC 3986 §6.2.2 prescribes.
 */
function normalizePercentEncoding(component: string): string {
  // Most paths and parameters have no escapes at all.
  if (!component.includes('%')) return component;
  return component.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
