import type { LookupAddress } from 'node:dns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FetchError } from '../../src/feeds/fetch-error.js';
import { forbiddenAddressReason, guardedLookup, isAllowlisted, isForbiddenAddress } from '../../src/feeds/ssrf.js';

const octet = fc.integer({ min: 0, max: 255 });
const hexGroup = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));

function hexPair(a: number, b: number, c: number, d: number): string {
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'IETF'],
    ['192.0.2.10', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::FFFF:A9FE:A9FE', 'link-local'],
    ['::ffff:0:10.1.1.1', 'private'],
    ['::10.0.0.1', 'IPv4-compatible'],
    ['::a00:1', 'IPv4-compatible'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b:1::1', 'NAT64'],
    ['2002:a00:1::', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:db8::1', 'documentation'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'not an IP'],
    ['1.2.3', 'not an IP'],
    ['', 'not an IP'],
  ])('refuses %s (%s)', (ip, why) => {
    expect(isForbiddenAddress(ip)).toBe(true);
    expect(forbiddenAddressReason(ip)).toContain(why);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.1',
    '192.169.0.1',
    '198.20.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '[2606:4700::1]',
  ])('allows the public address %s', (ip) => {
    expect(forbiddenAddressReason(ip)).toBeUndefined();
  });

  it('refuses every 10.x.y.z, in IPv4 and every IPv6 form that embeds it', () => {
    fc.assert(
      fc.property(octet, octet, octet, (b, c, d) => {
        const dotted = `10.${b}.${c}.${d}`;
        for (const form of [dotted, `::ffff:${dotted}`, `::ffff:${hexPair(10, b, c, d)}`, `64:ff9b::${dotted}`, `2002:${hexPair(10, b, c, d)}::1`]) {
          expect(isForbiddenAddress(form), form).toBe(true);
        }
      }),
    );
  });

  it('refuses every loopback, link-local and CGNAT address', () => {
    fc.assert(
      fc.property(octet, octet, octet, (b, c, d) => {
        expect(isForbiddenAddress(`127.${b}.${c}.${d}`)).toBe(true);
        expect(isForbiddenAddress(`169.254.${c}.${d}`)).toBe(true);
        expect(isForbiddenAddress(`100.${64 + (b % 64)}.${c}.${d}`)).toBe(true);
        expect(isForbiddenAddress(`172.${16 + (b % 16)}.${c}.${d}`)).toBe(true);
      }),
    );
  });

  it('refuses every IPv6 unique-local, link-local and multicast address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x1ff }), fc.array(hexGroup, { minLength: 7, maxLength: 7 }), (low, rest) => {
        const tail = rest.join(':');
        expect(isForbiddenAddress(`${(0xfc00 | low).toString(16)}:${tail}`)).toBe(true);
        expect(isForbiddenAddress(`${(0xfe80 | (low & 0x3f)).toString(16)}:${tail}`)).toBe(true);
        expect(isForbiddenAddress(`${(0xff00 | (low & 0xff)).toString(16)}:${tail}`)).toBe(true);
      }),
    );
  });

  // First octets whose whole /8 is ordinary public unicast.
  const publicFirstOctet = fc.constantFrom(1, 2, 3, 4, 5, 8, 9, 11, 23, 31, 45, 64, 99, 101, 126, 128, 151, 185, 191, 193, 197, 200, 209, 223);

  it('allows random public IPv4 addresses, bare and IPv4-mapped', () => {
    fc.assert(
      fc.property(publicFirstOctet, octet, octet, octet, (a, b, c, d) => {
        expect(isForbiddenAddress(`${a}.${b}.${c}.${d}`)).toBe(false);
        expect(isForbiddenAddress(`::ffff:${hexPair(a, b, c, d)}`)).toBe(false);
      }),
    );
  });

  it('allows random global unicast IPv6 addresses outside the special blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x2400, max: 0x3fff }), fc.array(hexGroup, { minLength: 7, maxLength: 7 }), (first, rest) => {
        expect(isForbiddenAddress(`${first.toString(16)}:${rest.join(':')}`)).toBe(false);
      }),
    );
  });
});

describe('isAllowlisted', () => {
  const url = (text: string) => new URL(text);

  it('matches a bare host on any port and host:port on that port only', () => {
    expect(isAllowlisted(url('http://feeds.local:8080/rss'), ['feeds.local'])).toBe(true);
    expect(isAllowlisted(url('http://feeds.local:8080/rss'), ['feeds.local:8080'])).toBe(true);
    expect(isAllowlisted(url('http://feeds.local:8081/rss'), ['feeds.local:8080'])).toBe(false);
    expect(isAllowlisted(url('http://feeds.local/rss'), ['feeds.local:80'])).toBe(true);
    expect(isAllowlisted(url('https://feeds.local/rss'), ['feeds.local:443'])).toBe(true);
    expect(isAllowlisted(url('https://feeds.local/rss'), ['feeds.local:80'])).toBe(false);
  });

  it('compares host names exactly, ignoring case and a trailing dot', () => {
    expect(isAllowlisted(url('http://FEEDS.local./x'), ['feeds.LOCAL'])).toBe(true);
    expect(isAllowlisted(url('http://evil-feeds.local/x'), ['feeds.local'])).toBe(false);
    expect(isAllowlisted(url('http://feeds.local.evil.com/x'), ['feeds.local'])).toBe(false);
    expect(isAllowlisted(url('http://feeds.local/x'), [])).toBe(false);
  });

  it('understands IP and IPv6 entries, with or without brackets', () => {
    expect(isAllowlisted(url('http://127.0.0.1:3000/'), ['127.0.0.1:3000'])).toBe(true);
    expect(isAllowlisted(url('http://127.0.0.1:3001/'), ['127.0.0.1:3000'])).toBe(false);
    expect(isAllowlisted(url('http://[::1]:3000/'), ['::1'])).toBe(true);
    expect(isAllowlisted(url('http://[::1]:3000/'), ['[::1]:3000'])).toBe(true);
    expect(isAllowlisted(url('http://[::1]:3000/'), ['[::1]:4000'])).toBe(false);
    // The URL parser normalizes 2130706433 to 127.0.0.1, so the entry must match that.
    expect(isAllowlisted(url('http://2130706433/'), ['127.0.0.1'])).toBe(true);
  });

  it('ignores entries that are not host names', () => {
    expect(isAllowlisted(url('http://feeds.local/'), ['', 'http://', ':::'])).toBe(false);
  });
});

describe('guardedLookup', () => {
  const addresses: LookupAddress[] = [
    { address: '2606:4700::1', family: 6 },
    { address: '93.184.216.34', family: 4 },
  ];
  type Answer = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

  /** Calls the lookup the way node:net does and collects its callback arguments. */
  function ask(resolved: LookupAddress[] | Error, options: { all?: boolean; family?: number }): Promise<Answer> {
    const lookup = guardedLookup(async () => {
      if (resolved instanceof Error) throw resolved;
      return resolved;
    }, 'http://feeds.example/rss');
    return new Promise((resolve) => lookup('feeds.example', options, (error, address, family) => resolve({ error, address, family })));
  }

  it('hands every address over when node asks for all of them', async () => {
    expect(await ask(addresses, { all: true })).toMatchObject({ error: null, address: addresses });
  });

  it('hands over the first address of the wanted family otherwise', async () => {
    expect(await ask(addresses, {})).toMatchObject({ error: null, address: '2606:4700::1', family: 6 });
    expect(await ask(addresses, { family: 4 })).toMatchObject({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('answers ENOTFOUND when no address has the wanted family', async () => {
    const answer = await ask([{ address: '93.184.216.34', family: 4 }], { family: 6 });
    expect(answer.error?.code).toBe('ENOTFOUND');
  });

  it('refuses with a blocked FetchError when any address is forbidden', async () => {
    const answer = await ask([...addresses, { address: '10.1.1.1', family: 4 }], { all: true });
    expect(answer.error).toBeInstanceOf(FetchError);
    expect(answer.error).toMatchObject({ kind: 'blocked' });
    expect(answer.error?.message).toContain('Refused http://feeds.example/rss: it resolves to 10.1.1.1, a private network address.');
  });

  it('passes resolver failures through', async () => {
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    expect((await ask(failure, {})).error).toBe(failure);
  });
});
