import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { HeraldConfig } from '../config/schema.js';
import { heraldVersion } from '../version.js';
import { parseRetryAfter } from './backoff.js';
import { readCappedBody } from './fetch-body.js';
import { FetchError } from './fetch-error.js';
import { HostLimiter, RedisHostLimiter, type HostLimit } from './host-limiter.js';
import type { RedisClient } from '../store/client.js';
import { createKeys } from '../store/keys.js';
import { assertPublicIpLiteral, guardedLookup, isAllowlisted, type ResolveHost } from './ssrf.js';

export { FetchError, type FetchErrorKind } from './fetch-error.js';

export interface FetchOptions {
  /** Deadline for the whole exchange (every hop, headers and body), so slow-drip bodies are cut too. */
  timeoutMs: number;
  /** Cap on the body, raw and decompressed; the connection is dropped as soon as it is passed. */
  maxBytes: number;
  maxRedirects: number;
  /** Default: `Herald/<version> (+https://github.com/herald-bot/herald; news briefing bot)`. */
  userAgent?: string;
  /** "host" or "host:port" entries that skip the SSRF guard. */
  allowHosts: string[];
  /** Per-host concurrency (in this process, or shared through Redis); a process-wide limiter of 2 per host when absent. */
  limiter?: HostLimit;
  signal?: AbortSignal;
  /** Name resolution (tests inject one); DNS through the OS resolver when absent. */
  lookup?: ResolveHost;
}

/** What the last successful fetch of a feed returned, sent back for a conditional GET. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type FetchOutcome =
  | { kind: 'not-modified'; finalUrl: string; permanentUrl?: string }
  | {
      kind: 'fetched';
      body: Uint8Array;
      contentType?: string;
      etag?: string;
      lastModified?: string;
      finalUrl: string;
      /** Set when a 301/308 chain moved the feed permanently. */
      permanentUrl?: string;
    };

type HopResult =
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'not-modified' }
  | { kind: 'fetched'; body: Uint8Array; contentType?: string; etag?: string; lastModified?: string };

interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  /** Stops the timer and lets go of the caller's signal. */
  dispose(): void;
}

const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const PERMANENT_REDIRECT_STATUSES = new Set([301, 308]);
const RATE_LIMIT_STATUSES = new Set([429, 503]);
const DNS_ERROR_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL']);

/**
 * Guarded and allowlisted requests keep separate connection pools: a kept-alive socket is reused
 * without a new lookup, so a socket opened for an allowlisted host must never serve a guarded request.
 */
const agents = {
  guarded: pooledAgents(),
  allowlisted: pooledAgents(),
};

/** Keep-alive pools whose idle sockets close after 30 s, so polling thousands of hosts does not hoard sockets. */
function pooledAgents() {
  const options = { keepAlive: true, timeout: 30_000 };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

const sharedLimiter = new HostLimiter(2);

let userAgent: string | undefined;

/** The User-Agent Herald sends: names the bot and where to find out about it, as feed publishers ask. */
export function defaultUserAgent(): string {
  userAgent ??= `Herald/${heraldVersion()} (+https://github.com/herald-bot/herald; news briefing bot)`;
  return userAgent;
}

/**
 * Fetch options from the `fetch` section of the config. Each call makes a new per-host limiter,
 * so call it once per process and share the result: that is what keeps the per-host cap global.
 */
export function defaultFetchOptions(config: HeraldConfig['fetch']): FetchOptions {
  return {
    timeoutMs: config.timeoutMs,
    maxBytes: config.maxBytes,
    maxRedirects: config.maxRedirects,
    userAgent: config.userAgent ?? defaultUserAgent(),
    allowHosts: config.allowHosts,
    limiter: new HostLimiter(config.perHostConcurrency),
  };
}

/**
 * The per-host limit (`fetch.perHostConcurrency`) shared by every process on this Redis, so N
 * workers still open at most that many connections to one host. A lease outlasts the fetch
 * deadline by a few seconds; a crashed worker's slots come back when theirs run out.
 */
export function sharedHostLimiter(redis: RedisClient, config: Pick<HeraldConfig, 'fetch' | 'redis'>): HostLimit {
  return new RedisHostLimiter(redis, { perHost: config.fetch.perHostConcurrency, leaseMs: config.fetch.timeoutMs + 5_000, keyPrefix: createKeys(config.redis.prefix).hostLeasePrefix() });
}

/**
 * One timer and one controller per fetch, released by dispose(). (AbortSignal.any would be shorter,
 * but on Node 20 it keeps every combined signal alive as long as the caller's long-lived signal.)
 */
function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no complete answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

function parseWebUrl(text: string, target: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new FetchError('invalid-url', `"${target}" is not a web address. Use a full URL such as https://example.com/feed.xml.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('invalid-url', `Refused ${target}: Herald only fetches http:// and https:// addresses, not ${url.protocol}.`);
  }
  return url;
}

function sendRequest(url: URL, options: http.RequestOptions): Promise<IncomingMessage> {
  const send = (retryStaleSocket: boolean) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, options);
      req.once('response', resolve);
      req.once('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed meanwhile: the request never reached it.
        if (retryStaleSocket && req.reusedSocket && error.code === 'ECONNRESET') resolve(send(false));
        else reject(error);
      });
      req.end();
    });
  return send(true);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function fetchOnce(url: URL, validators: Validators, options: FetchOptions, deadline: Deadline, target: string): Promise<HopResult> {
  const allowlisted = isAllowlisted(url, options.allowHosts);
  if (!allowlisted) assertPublicIpLiteral(url, target);
  const pool = allowlisted ? agents.allowlisted : agents.guarded;
  const headers: Record<string, string> = {
    'user-agent': options.userAgent ?? defaultUserAgent(),
    accept: ACCEPT,
    'accept-encoding': 'gzip, deflate, br',
  };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;

  const res = await sendRequest(url, {
    method: 'GET',
    headers,
    agent: url.protocol === 'https:' ? pool.https : pool.http,
    signal: deadline.signal,
    lookup: allowlisted ? undefined : guardedLookup(options.lookup ?? ((host) => dnsLookup(host, { all: true })), target),
  });
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    return {
      kind: 'fetched',
      body: await readCappedBody(res, options.maxBytes, target, deadline.signal),
      contentType: singleHeader(res.headers['content-type']),
      etag: singleHeader(res.headers['etag']),
      lastModified: singleHeader(res.headers['last-modified']),
    };
  }
  if (status === 304) {
    res.resume();
    return { kind: 'not-modified' };
  }
  // Error and redirect bodies are never read: their size is the server's choice, not ours.
  res.destroy();
  const location = res.headers['location'];
  if (REDIRECT_STATUSES.has(status) && location) return { kind: 'redirect', status, location };
  if (RATE_LIMIT_STATUSES.has(status)) {
    const retryAfterMs = parseRetryAfter(singleHeader(res.headers['retry-after']), new Date());
    const wait = retryAfterMs === undefined ? 'a while' : `${Math.ceil(retryAfterMs / 1000)} s`;
    throw new FetchError(
      'rate-limited',
      `${target} asked Herald to slow down (HTTP ${status}${status === 503 ? ', temporarily unavailable' : ''}). Herald will wait ${wait} before trying again.`,
      { status, retryAfterMs },
    );
  }
  const advice = status === 404 || status === 410 ? 'The feed seems to be gone: check its address on the site.' : 'Check that the feed URL is still right.';
  throw new FetchError('http', `${target} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}. ${advice}`, { status });
}

function describeFailure(error: unknown, target: string, timeoutMs: number, deadline: Deadline | undefined): Error {
  if (error instanceof FetchError) return error;
  if (deadline?.timedOut()) {
    return new FetchError('timeout', `${target} did not send the whole feed within ${timeoutMs / 1000} s. The site may be slow or overloaded; Herald will try again later.`, { cause: error });
  }
  if (deadline?.signal.aborted) {
    // The caller cancelled: reject with its reason, as fetch() does.
    const reason: unknown = deadline.signal.reason;
    return reason instanceof Error ? reason : new Error(String(reason));
  }
  const { code, message } = error as NodeJS.ErrnoException;
  if (code && DNS_ERROR_CODES.has(code)) {
    return new FetchError('dns', `Could not find the host of ${target} (${code}). Check the address for typos; if it is right, the site's DNS may be down.`, { cause: error });
  }
  return new FetchError('network', `Could not fetch ${target}: ${code ?? message}. The site may be down; Herald will try again later.`, { cause: error });
}

/**
 * Fetches a feed with a conditional GET: follows at most `maxRedirects` redirects (each hop
 * checked by the SSRF guard unless allowlisted), decompresses gzip/deflate/br under the byte
 * cap, and stops everything at the deadline. Throws FetchError with a user-facing message.
 */
export async function fetchFeed(url: string, validators: Validators, options: FetchOptions): Promise<FetchOutcome> {
  const limiter = options.limiter ?? sharedLimiter;
  let deadline: Deadline | undefined;
  let target = url;
  try {
    let current = parseWebUrl(url, url);
    let permanentUrl: string | undefined;
    let onlyPermanentHops = true;
    for (let redirects = 0; ; redirects += 1) {
      const hopUrl = current;
      const hopTarget = target;
      // The deadline starts once the first request may go out; waiting for a turn is not the server's fault.
      const hop = await limiter.run(hopUrl.host, () => {
        deadline ??= startDeadline(options.timeoutMs, options.signal);
        return fetchOnce(hopUrl, validators, options, deadline, hopTarget);
      });
      if (hop.kind !== 'redirect') {
        return { ...hop, finalUrl: hopUrl.href, ...(permanentUrl === undefined ? {} : { permanentUrl }) };
      }
      const next = parseWebUrl(hop.location, `${url} (redirected to ${hop.location})`, hopUrl);
      if (redirects >= options.maxRedirects) {
        throw new FetchError(
          'too-many-redirects',
          `${url} redirected more than ${options.maxRedirects} times (the last hop went to ${next.href}). Open it in a browser and add the address it ends at.`,
        );
      }
      target = `${url} (redirected to ${next.href})`;
      current = next;
      onlyPermanentHops &&= PERMANENT_REDIRECT_STATUSES.has(hop.status);
      if (onlyPermanentHops) permanentUrl = current.href;
    }
  } catch (error) {
    throw describeFailure(error, target, options.timeoutMs, deadline);
  } finally {
    deadline?.dispose();
  }
}
