import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';
import { FetchError } from './fetch-error.js';

/** Resolves a host name to every address it has (the shape of `dns.promises.lookup(name, { all: true })`). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

interface Ipv4Range {
  base: number;
  mask: number;
  description: string;
}

interface Ipv6Range {
  base: bigint;
  mask: bigint;
  description: string;
}

const PRIVATE = 'a private network address';
const DOCUMENTATION = 'a documentation-only address';

/** First match wins, so narrower ranges come before the ranges that contain them. */
const IPV4_FORBIDDEN: Ipv4Range[] = [
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['10.0.0.0/8', PRIVATE],
  ['100.64.0.0/10', 'a carrier-grade NAT (shared) address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address (where cloud metadata services live)'],
  ['172.16.0.0/12', PRIVATE],
  ['192.0.0.0/24', 'an IETF protocol address'],
  ['192.0.2.0/24', DOCUMENTATION],
  ['192.88.99.0/24', 'a reserved (6to4 relay) address'],
  ['192.168.0.0/16', PRIVATE],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['198.51.100.0/24', DOCUMENTATION],
  ['203.0.113.0/24', DOCUMENTATION],
  ['224.0.0.0/4', 'a multicast address'],
  ['255.255.255.255/32', 'the broadcast address'],
  ['240.0.0.0/4', 'a reserved address'],
].map(([cidr, description]) => {
  const [address, bits] = cidr!.split('/') as [string, string];
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return { base: (ipv4ToNumber(address) & mask) >>> 0, mask, description: description! };
});

const IPV6_FORBIDDEN: Ipv6Range[] = [
  ['::/128', 'an unspecified address'],
  ['::1/128', 'a loopback address'],
  ['::/96', 'an IPv4-compatible (deprecated) address'],
  ['64:ff9b:1::/48', 'a local-use NAT64 address'],
  ['100::/64', 'a discard-only address'],
  ['2001::/32', 'a Teredo tunnel address'],
  ['2001:2::/48', 'a benchmarking address'],
  ['2001:db8::/32', DOCUMENTATION],
  ['fc00::/7', 'a private network (unique local) address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local (deprecated private) address'],
  ['ff00::/8', 'a multicast address'],
].map(([cidr, description]) => {
  const [address, bits] = cidr!.split('/') as [string, string];
  const mask = prefixMask128(Number(bits));
  return { base: ipv6ToBigInt(address)! & mask, mask, description: description! };
});

const IPV6_GLOBAL_UNICAST = { base: ipv6ToBigInt('2000::')!, mask: prefixMask128(3) };

/** Prefixes whose low 32 bits carry an IPv4 address that is what actually gets reached. */
const IPV6_EMBEDDING_IPV4_IN_LOW_BITS = [
  '::ffff:0:0/96', // IPv4-mapped
  '::ffff:0:0:0/96', // IPv4-translated (SIIT)
  '64:ff9b::/96', // NAT64 well-known prefix
].map((cidr) => {
  const [address, bits] = cidr.split('/') as [string, string];
  const mask = prefixMask128(Number(bits));
  return { base: ipv6ToBigInt(address)! & mask, mask };
});

const SIX_TO_FOUR = { base: ipv6ToBigInt('2002::')!, mask: prefixMask128(16) };

function prefixMask128(bits: number): bigint {
  const all = (1n << 128n) - 1n;
  return bits === 0 ? 0n : (all << BigInt(128 - bits)) & all;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** Parses any IPv6 text form (zone id, "::" and a trailing dotted quad included); undefined if it is not one. */
function ipv6ToBigInt(text: string): bigint | undefined {
  const address = text.replace(/%.*$/, '');
  if (!isIPv6(address)) return undefined;
  let groups = address;
  const dottedQuad = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (dottedQuad) {
    const v4 = ipv4ToNumber(dottedQuad);
    groups = `${address.slice(0, -dottedQuad.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

function ipv4Reason(address: string): string | undefined {
  const value = ipv4ToNumber(address);
  return IPV4_FORBIDDEN.find((range) => ((value & range.mask) >>> 0) === range.base)?.description;
}

function ipv6Reason(value: bigint): string | undefined {
  const inRange = (range: { base: bigint; mask: bigint }) => (value & range.mask) === range.base;
  if (IPV6_EMBEDDING_IPV4_IN_LOW_BITS.some(inRange)) return ipv4Reason(numberToIpv4(Number(value & 0xffffffffn)));
  if (inRange(SIX_TO_FOUR)) return ipv4Reason(numberToIpv4(Number((value >> 80n) & 0xffffffffn)));
  const forbidden = IPV6_FORBIDDEN.find(inRange);
  if (forbidden) return forbidden.description;
  return inRange(IPV6_GLOBAL_UNICAST) ? undefined : 'a reserved address';
}

/**
 * Why Herald must not connect to `ip`, as a phrase for a message ("a loopback address"), or
 * undefined when it is a public address. Text that is not an IP address is refused too.
 */
export function forbiddenAddressReason(ip: string): string | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(bare)) return ipv4Reason(bare);
  const v6 = ipv6ToBigInt(bare);
  return v6 === undefined ? 'not an IP address' : ipv6Reason(v6);
}

/**
 * True for every address a feed fetch must not reach: loopback, private, link-local, CGNAT,
 * multicast, unspecified, broadcast, reserved and documentation ranges, in IPv4 and IPv6,
 * including IPv6 forms that embed such an IPv4 address (mapped, translated, NAT64, 6to4).
 */
export function isForbiddenAddress(ip: string): boolean {
  return forbiddenAddressReason(ip) !== undefined;
}

function hostAndPort(entry: string): { hostname: string; port?: string } | undefined {
  const candidate = isIPv6(entry) ? `[${entry}]` : entry;
  try {
    const parsed = new URL(`http://${candidate}`);
    return { hostname: withoutTrailingDot(parsed.hostname), port: /:\d+$/.test(candidate) ? parsed.port || '80' : undefined };
  } catch {
    return undefined;
  }
}

function withoutTrailingDot(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/**
 * True when the URL's host is in the operator's allowlist: an entry "host" matches every port,
 * "host:port" only that port. IPv6 entries may be written with or without brackets.
 */
export function isAllowlisted(url: URL, allowHosts: string[]): boolean {
  const hostname = withoutTrailingDot(url.hostname);
  return allowHosts.some((entry) => {
    const allowed = hostAndPort(entry.trim().toLowerCase());
    return allowed !== undefined && allowed.hostname === hostname && (allowed.port === undefined || allowed.port === effectivePort(url));
  });
}

/** The error for a refused address; `target` names what the user asked for (and where it led). */
function blockedAddressError(target: string, address: string, reason: string): FetchError {
  return new FetchError(
    'blocked',
    `Refused ${target}: it resolves to ${address}, ${reason}. Herald only fetches public addresses ` +
      '(an operator can allowlist a host in fetch.allowHosts).',
  );
}

/** Throws the 'blocked' FetchError when a URL names a forbidden IP address directly (no DNS involved). */
export function assertPublicIpLiteral(url: URL, target: string): void {
  const bare = url.hostname.replace(/^\[|\]$/g, '');
  if (!isIPv4(bare) && !isIPv6(bare)) return;
  const reason = forbiddenAddressReason(bare);
  if (reason) throw blockedAddressError(target, bare, reason);
}

function wantedFamily(options: LookupOptions): 4 | 6 | undefined {
  if (options.family === 4 || options.family === 'IPv4') return 4;
  if (options.family === 6 || options.family === 'IPv6') return 6;
  return undefined;
}

/**
 * A `lookup` for node:http that resolves with `resolve` and refuses the connection when any
 * address of the name is forbidden. Checking inside the socket's own lookup means the address
 * checked is the address connected to, so DNS rebinding cannot slip a private address in.
 */
export function guardedLookup(resolve: ResolveHost, target: string): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        for (const { address } of addresses) {
          const reason = forbiddenAddressReason(address);
          if (reason) return callback(blockedAddressError(target, address, reason), '', 0);
        }
        const family = wantedFamily(options);
        const usable = family === undefined ? addresses : addresses.filter((a) => a.family === family);
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '', 0);
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
