import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, fetchFeed, type FetchOptions } from '../../src/feeds/fetch.js';
import { HostLimiter } from '../../src/feeds/host-limiter.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';

const FEED = '<rss version="2.0"><channel><title>t</title></channel></rss>';

let allowed: FeedServer;
let other: FeedServer;

beforeAll(async () => {
  [allowed, other] = await Promise.all([startFeedServer(), startFeedServer()]);
  allowed.setFeed('/feed.xml', FEED);
  other.setFeed('/feed.xml', FEED);
});

afterAll(async () => {
  await Promise.all([allowed.close(), other.close()]);
});

function options(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 5, allowHosts: [], limiter: new HostLimiter(2), ...overrides };
}

/** A resolver that answers from a table: no real DNS, so a test can make any name point anywhere. */
function resolvingTo(table: Record<string, string[]>) {
  return async (hostname: string): Promise<LookupAddress[]> =>
    (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

async function refusal(url: string, overrides: Partial<FetchOptions> = {}): Promise<FetchError> {
  const error = await fetchFeed(url, {}, options(overrides)).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FetchError);
  expect((error as FetchError).kind).toBe('blocked');
  return error as FetchError;
}

describe('SSRF guard', () => {
  it.each([
    ['loopback IPv4', () => allowed.url('/feed.xml'), '127.0.0.1', 'loopback'],
    ['loopback IPv6', () => `http://[::1]:${new URL(allowed.origin).port}/feed.xml`, '::1', 'loopback'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
    ['IPv4-mapped IPv6', () => 'http://[::ffff:10.0.0.1]/feed', '::ffff:a00:1', 'private network'],
    ['decimal IPv4', () => `http://2130706433:${new URL(allowed.origin).port}/feed.xml`, '127.0.0.1', 'loopback'],
    ['hex IPv4', () => 'http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254', 'link-local'],
    ['short-form IPv4', () => `http://127.1:${new URL(allowed.origin).port}/feed.xml`, '127.0.0.1', 'loopback'],
    ['CGNAT', () => 'http://100.100.100.200/latest/meta-data/', '100.100.100.200', 'carrier-grade NAT'],
    ['IPv6 unique-local', () => 'http://[fd00:ec2::254]/', 'fd00:ec2::254', 'private network'],
    ['unspecified', () => `http://0.0.0.0:${new URL(allowed.origin).port}/feed.xml`, '0.0.0.0', 'unspecified'],
  ])('refuses a %s address literal, naming it', async (_name, url, address, reason) => {
    const before = allowed.requests.length;
    const error = await refusal(url());
    expect(error.message).toContain(`resolves to ${address}, a`);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('fetch.allowHosts');
    expect(allowed.requests.length).toBe(before);
  });

  it('refuses a name that resolves to a private address', async () => {
    const error = await refusal('http://intranet.example/feed.xml', { lookup: resolvingTo({ 'intranet.example': ['10.20.30.40'] }) });
    expect(error.message).toBe(
      'Refused http://intranet.example/feed.xml: it resolves to 10.20.30.40, a private network address. ' +
        'Herald only fetches public addresses (an operator can allowlist a host in fetch.allowHosts).',
    );
  });

  it('refuses a name when any of its addresses is private', async () => {
    const lookup = resolvingTo({ 'mixed.example': ['fd00::7', '93.184.216.34'] });
    const error = await refusal('http://mixed.example/feed.xml', { lookup });
    expect(error.message).toContain('fd00::7');
  });

  it('refuses localhost through the real resolver before any request is made', async () => {
    const before = allowed.requests.length;
    const error = await refusal(`http://localhost:${new URL(allowed.origin).port}/feed.xml`);
    expect(error.message).toMatch(/resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(allowed.requests.length).toBe(before);
  });

  it('checks the name, not where it points: allowlisting 127.0.0.1 does not allow a name resolving there', async () => {
    const lookup = resolvingTo({ 'rebound.example': ['127.0.0.1'] });
    const error = await refusal(`http://rebound.example:${new URL(allowed.origin).port}/feed.xml`, { lookup, allowHosts: [allowed.host] });
    expect(error.message).toContain('127.0.0.1');
  });

  it('refuses a redirect from an allowlisted server to a loopback address that is not', async () => {
    allowed.redirect('/to-other', other.url('/feed.xml'), 302);
    const error = await refusal(allowed.url('/to-other'), { allowHosts: [allowed.host] });
    expect(error.message).toContain(`Refused ${allowed.url('/to-other')} (redirected to ${other.url('/feed.xml')})`);
    expect(error.message).toContain('127.0.0.1, a loopback address');
    expect(other.requests).toHaveLength(0);
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    allowed.redirect('/to-intranet', 'http://intranet.example/admin', 301);
    const lookup = resolvingTo({ 'intranet.example': ['192.168.0.10'] });
    const error = await refusal(allowed.url('/to-intranet'), { allowHosts: [allowed.host], lookup });
    expect(error.message).toContain('192.168.0.10, a private network address');
  });

  it('lets allowlisted hosts through: host:port, bare host, and a name', async () => {
    const port = new URL(allowed.origin).port;
    for (const [url, allowHosts] of [
      [allowed.url('/feed.xml'), [allowed.host]],
      [allowed.url('/feed.xml'), ['127.0.0.1']],
      [`http://localhost:${port}/feed.xml`, [`localhost:${port}`]],
    ] as const) {
      const outcome = await fetchFeed(url, {}, options({ allowHosts: [...allowHosts] }));
      expect(outcome.kind, url).toBe('fetched');
    }
  });

  it('follows a redirect between two allowlisted servers', async () => {
    allowed.redirect('/to-other-allowed', other.url('/feed.xml'), 302);
    const outcome = await fetchFeed(allowed.url('/to-other-allowed'), {}, options({ allowHosts: [allowed.host, other.host] }));
    expect(outcome.kind).toBe('fetched');
  });
});
