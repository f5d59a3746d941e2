import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalizeUrl, parseHttpUrl } from '../../src/feeds/canonical-url.js';

const TRACKING_LOOKALIKES = /^(utm_|fbclid$|gclid$|mc_|igshid$|ref|cmp|ocid$|_g|spm$|amp$|smid$|smtyp$|s_cid$|dclid$|msclkid$|yclid$|twclid$|guccounter$|mkt_tok$|oly_|vero_id$|wt|at_|_hs)/;

const host = fc.domain();
const pathSegments = fc.array(fc.webSegment().filter((segment) => segment !== '' && segment !== 'amp' && !/^\.+$/.test(segment)), { maxLength: 4 });
const paramName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((name) => !TRACKING_LOOKALIKES.test(name));
const paramValue = fc.string({ maxLength: 8 }).map(encodeURIComponent);
const params = fc.uniqueArray(fc.tuple(paramName, paramValue), { maxLength: 5, selector: ([name]) => name });
const fragment = fc.string({ maxLength: 10 }).map(encodeURIComponent);

interface UrlParts { scheme: 'http' | 'https'; host: string; path: string[]; params: [string, string][]; fragment?: string; trailingSlash: boolean }

const urlParts: fc.Arbitrary<UrlParts> = fc.record({
  scheme: fc.constantFrom('http' as const, 'https' as const),
  host,
  path: pathSegments,
  params,
  fragment: fc.option(fragment, { nil: undefined }),
  trailingSlash: fc.boolean(),
});

function build(parts: UrlParts): string {
  const path = `/${parts.path.join('/')}${parts.trailingSlash && parts.path.length > 0 ? '/' : ''}`;
  const query = parts.params.map(([name, value]) => `${name}=${value}`).join('&');
  return `${parts.scheme}://${parts.host}${path}${query ? `?${query}` : ''}${parts.fragment === undefined ? '' : `#${parts.fragment}`}`;
}

describe('canonicalizeUrl', () => {
  it('normalizes scheme, host case, default ports, fragments, tracking params, AMP and trailing slashes', () => {
    expect(canonicalizeUrl('HTTP://WWW.Example.COM:80/News/Story/?utm_source=rss&utm_medium=feed&id=7#comments')).toBe('https://www.example.com/News/Story?id=7');
    expect(canonicalizeUrl('https://example.com:443/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2&igshid=3&ref=hn&ref_src=twsrc&cmpid=4&ocid=5&_ga=6&spm=7')).toBe('https://example.com/a');
    expect(canonicalizeUrl('https://example.com/2024/05/story/amp/')).toBe('https://example.com/2024/05/story');
    expect(canonicalizeUrl('https://example.com/story?amp=1&page=2')).toBe('https://example.com/story?page=2');
    expect(canonicalizeUrl('https://example.com/story?amp')).toBe('https://example.com/story');
    expect(canonicalizeUrl('https://example.com/')).toBe('https://example.com/');
    expect(canonicalizeUrl('https://example.com:8080/x')).toBe('https://example.com:8080/x');
    expect(canonicalizeUrl('https://user:secret@example.com/x')).toBe('https://example.com/x');
  });

  it('normalizes percent-encoding: unreserved characters decoded, other escapes upper-cased', () => {
    expect(canonicalizeUrl('https://example.com/%7Euser/caf%c3%a9?q=a%2fb&x=%41')).toBe('https://example.com/~user/caf%C3%A9?q=a%2Fb&x=A');
    expect(canonicalizeUrl('https://example.com/café')).toBe('https://example.com/caf%C3%A9');
  });

  it('trims long runs of slashes and /amp segments (in linear time: the test timeout guards it)', () => {
    expect(canonicalizeUrl(`https://example.com/a${'/'.repeat(100_000)}`)).toBe('https://example.com/a');
    expect(canonicalizeUrl(`https://example.com/a${'/amp'.repeat(100_000)}/`)).toBe('https://example.com/a');
    expect(canonicalizeUrl(`https://example.com/${'/'.repeat(100_000)}a`)).toMatch(/\/a$/);
  });

  it('resolves relative URLs against the base', () => {
    expect(canonicalizeUrl('../b/c?utm_campaign=x', 'http://example.com/a/feed.xml')).toBe('https://example.com/b/c');
    expect(canonicalizeUrl('//cdn.example.com/x', 'https://example.com/')).toBe('https://cdn.example.com/x');
  });

  it('returns undefined for anything but an http(s) URL', () => {
    for (const url of ['', 'not a url', 'mailto:a@example.com', 'javascript:alert(1)', 'ftp://example.com/f', 'data:text/plain,x', 'relative/path']) {
      expect(canonicalizeUrl(url)).toBeUndefined();
    }
  });

  it('is idempotent', () => {
    fc.assert(fc.property(urlParts, (parts) => {
      const once = canonicalizeUrl(build(parts));
      expect(once).toBeDefined();
      expect(canonicalizeUrl(once!)).toBe(once);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
      const once = canonicalizeUrl(url);
      if (once !== undefined) expect(canonicalizeUrl(once)).toBe(once);
    }), { numRuns: 500 });
  });

  it('strips any utm_* parameter and the fragment', () => {
    const utmName = fc.stringMatching(/^[a-z0-9_]{1,10}$/).map((suffix) => `utm_${suffix}`);
    fc.assert(fc.property(urlParts, utmName, paramValue, fragment, (parts, name, value, hash) => {
      const plain = canonicalizeUrl(build({ ...parts, fragment: undefined }));
      const tracked = build({ ...parts, params: [...parts.params, [name, value]], fragment: hash });
      expect(canonicalizeUrl(tracked)).toBe(plain);
      expect(canonicalizeUrl(tracked)).not.toMatch(/[?&]utm_|#/);
    }), { numRuns: 300 });
  });

  it('maps http/https and trailing-slash variants to one form', () => {
    fc.assert(fc.property(urlParts, (parts) => {
      const variants = [
        { ...parts, scheme: 'http' as const, trailingSlash: false },
        { ...parts, scheme: 'https' as const, trailingSlash: false },
        { ...parts, scheme: 'http' as const, trailingSlash: true },
        { ...parts, scheme: 'https' as const, trailingSlash: true },
      ].map((variant) => canonicalizeUrl(build(variant)));
      expect(new Set(variants).size).toBe(1);
    }), { numRuns: 300 });
  });

  it('ignores the order of query parameters', () => {
    fc.assert(fc.property(urlParts, fc.infiniteStream(fc.nat()), (parts, randomness) => {
      const shuffled = parts.params.map((param) => ({ param, key: randomness.next().value })).sort((a, b) => a.key - b.key).map(({ param }) => param);
      expect(canonicalizeUrl(build({ ...parts, params: shuffled }))).toBe(canonicalizeUrl(build(parts)));
    }), { numRuns: 300 });
  });
});

describe('parseHttpUrl', () => {
  /** What it must give: the link resolved against the base by `new URL`, kept when http(s). */
  function resolved(url: string, base: string | undefined): string | undefined {
    try {
      const parsed = new URL(url.trim(), base);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
    } catch {
      return undefined;
    }
  }

  const links = fc.constantFrom('https://a.example/x', ' HTTP://b.example/y?q#f ', 'http:/c.example/z', 'http:d', 'https://', 'http://[bad', '/path', 'rel/ative',
    '//e.example/p', '?q=1', '#top', 'ftp://f.example/', 'mailto:x@example.org', 'https:\\\\g.example\\p', '');
  const bases = fc.constantFrom(undefined, 'https://site.example/feed/', 'http://site.example', 'site.example/feed', '', 'not a url', 'ftp://files.example/dir/');

  it('resolves every link as `new URL` does against the same base, invalid bases included, whatever base came before', () => {
    fc.assert(fc.property(fc.array(fc.tuple(links, bases), { minLength: 1, maxLength: 6 }), (pairs) => {
      for (const [url, base] of pairs) expect(parseHttpUrl(url, base)?.href, `${url} against ${base}`).toBe(resolved(url, base));
    }), { numRuns: 1000 });
  });

  /** Links built from the pieces that make a URL parser branch: scheme letters in either case, slashes and backslashes, whitespace and controls it strips or skips. */
  const linkPieces = fc.string({ unit: fc.constantFrom('h', 'H', 't', 'T', 'p', 'P', 's', 'S', ':', '/', '\\', ' ', '\t', '\n', '\x00', '\x01', 'a', '.', 'x', '?', '#', '%', '@', '[', ']', '1', '\u00a0', '\ufeff', 'f', '-', '+'), maxLength: 16 });
  const anyBase = fc.constantFrom(undefined, 'https://site.example/feed/', 'HTTP://S.example/x', 'http:x', 'ftp://f/', 'file:///x', 'data:x', 'http://a b', '');

  it('resolves generated links, most starting "http", as `new URL` does', () => {
    fc.assert(fc.property(fc.boolean(), linkPieces, anyBase, (prefixed, rest, base) => {
      const url = prefixed ? `http${rest}` : rest;
      expect(parseHttpUrl(url, base)?.href, `${JSON.stringify(url)} against ${base}`).toBe(resolved(url, base));
    }), { numRuns: 20_000 });
  });
});
