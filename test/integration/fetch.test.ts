import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, fetchFeed, type FetchOptions, type FetchOutcome } from '../../src/feeds/fetch.js';
import { HostLimiter } from '../../src/feeds/host-limiter.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';

const FEED = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Café ☕ news</title></channel></rss>';
const MiB = 1024 * 1024;

let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
});

afterAll(async () => {
  await server.close();
});

function options(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { timeoutMs: 10_000, maxBytes: MiB, maxRedirects: 5, allowHosts: [server.host], limiter: new HostLimiter(2), ...overrides };
}

async function fetchError(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

function fetched(outcome: FetchOutcome): Extract<FetchOutcome, { kind: 'fetched' }> {
  if (outcome.kind !== 'fetched') throw new Error(`expected a body, got ${outcome.kind}`);
  return outcome;
}

const text = (body: Uint8Array) => new TextDecoder().decode(body);

function requestsTo(path: string) {
  return server.requests.filter((request) => request.path === path);
}

describe('conditional GET', () => {
  it('returns the ETag, sends it back, and reports 304 as not-modified', async () => {
    server.setFeed('/etag.xml', FEED, { etag: '"v1"', lastModified: null });
    const first = fetched(await fetchFeed(server.url('/etag.xml'), {}, options()));
    expect(text(first.body)).toBe(FEED);
    expect(first.etag).toBe('"v1"');
    expect(first.lastModified).toBeUndefined();
    expect(first.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(first.finalUrl).toBe(server.url('/etag.xml'));

    const second = await fetchFeed(server.url('/etag.xml'), { etag: first.etag }, options());
    expect(second).toEqual({ kind: 'not-modified', finalUrl: server.url('/etag.xml') });
    expect(requestsTo('/etag.xml').map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"']);

    server.setFeed('/etag.xml', `${FEED} `, { etag: '"v2"', lastModified: null });
    const changed = fetched(await fetchFeed(server.url('/etag.xml'), { etag: '"v1"' }, options()));
    expect(changed.etag).toBe('"v2"');
  });

  it('returns Last-Modified, sends it back as If-Modified-Since, and reports 304', async () => {
    const lastModified = 'Tue, 11 Mar 2025 07:00:00 GMT';
    server.setFeed('/lm.xml', FEED, { etag: null, lastModified });
    const first = fetched(await fetchFeed(server.url('/lm.xml'), {}, options()));
    expect(first.lastModified).toBe(lastModified);
    expect(first.etag).toBeUndefined();

    const second = await fetchFeed(server.url('/lm.xml'), { lastModified }, options());
    expect(second.kind).toBe('not-modified');
    expect(requestsTo('/lm.xml').map((r) => r.headers['if-modified-since'])).toEqual([undefined, lastModified]);
  });

  it('introduces itself with a clear User-Agent and asks for compressed feeds', async () => {
    server.setFeed('/ua.xml', FEED);
    await fetchFeed(server.url('/ua.xml'), {}, options());
    const [request] = requestsTo('/ua.xml');
    expect(request?.headers['user-agent']).toMatch(/^Herald\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/herald-bot\/herald; news briefing bot\)$/);
    expect(request?.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(request?.headers['accept']).toContain('application/rss+xml');

    await fetchFeed(server.url('/ua.xml'), {}, options({ userAgent: 'Custom/1.0' }));
    expect(requestsTo('/ua.xml')[1]?.headers['user-agent']).toBe('Custom/1.0');
  });
});

describe('compression', () => {
  it.each(['gzip', 'deflate', 'br'] as const)('decompresses %s', async (encoding) => {
    server.setFeed(`/${encoding}.xml`, FEED, { encoding });
    const outcome = fetched(await fetchFeed(server.url(`/${encoding}.xml`), {}, options()));
    expect(text(outcome.body)).toBe(FEED);
  });

  it('also reads raw deflate, which some servers send for "deflate"', async () => {
    server.setRoute('/raw-deflate.xml', (_req, res) => res.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateRawSync(FEED)));
    const outcome = fetched(await fetchFeed(server.url('/raw-deflate.xml'), {}, options()));
    expect(text(outcome.body)).toBe(FEED);
  });

  it('reports a body that does not decompress', async () => {
    server.setRoute('/corrupt.xml', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('this is not gzip'));
    const error = await fetchError(fetchFeed(server.url('/corrupt.xml'), {}, options()));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('does not decompress');
  });

  it('reports a deflate body that does not decompress', async () => {
    server.setRoute('/corrupt-deflate.xml', (_req, res) => res.writeHead(200, { 'content-encoding': 'deflate' }).end(Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff])));
    const error = await fetchError(fetchFeed(server.url('/corrupt-deflate.xml'), {}, options()));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('does not decompress');
  });

  it('refuses an encoding it cannot read, naming it', async () => {
    server.setRoute('/zstd.xml', (_req, res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('....'));
    const error = await fetchError(fetchFeed(server.url('/zstd.xml'), {}, options()));
    expect(error.message).toContain('"zstd"');
  });
});

describe('redirects', () => {
  it('follows a relative Location', async () => {
    server.setFeed('/feeds/target.xml', FEED);
    server.redirect('/feeds/old/start', '../target.xml', 302);
    const outcome = fetched(await fetchFeed(server.url('/feeds/old/start'), {}, options()));
    expect(text(outcome.body)).toBe(FEED);
    expect(outcome.finalUrl).toBe(server.url('/feeds/target.xml'));
    expect(outcome.permanentUrl).toBeUndefined();
  });

  /** Serves `${prefix}/0` → `${prefix}/1` → … → `${prefix}/end`, hop i answering statuses[i]. */
  function chain(prefix: string, statuses: Array<301 | 302 | 307 | 308>): string {
    server.setFeed(`${prefix}/end`, FEED);
    statuses.forEach((status, hop) => server.redirect(`${prefix}/${hop}`, hop === statuses.length - 1 ? `${prefix}/end` : `${prefix}/${hop + 1}`, status));
    return server.url(`${prefix}/0`);
  }
  const times = <T>(count: number, value: T): T[] => Array<T>(count).fill(value);

  it('follows five redirects', async () => {
    const outcome = fetched(await fetchFeed(chain('/five', times(5, 307)), {}, options()));
    expect(outcome.finalUrl).toBe(server.url('/five/end'));
  });

  it('gives up on the sixth redirect', async () => {
    const error = await fetchError(fetchFeed(chain('/six', times(6, 302)), {}, options()));
    expect(error.kind).toBe('too-many-redirects');
    expect(error.message).toContain(server.url('/six/0'));
    expect(requestsTo('/six/end')).toHaveLength(0);
  });

  it('honours a smaller maxRedirects', async () => {
    const error = await fetchError(fetchFeed(chain('/two', times(2, 302)), {}, options({ maxRedirects: 1 })));
    expect(error.kind).toBe('too-many-redirects');
  });

  it('reports the new address after a chain of permanent redirects', async () => {
    const outcome = fetched(await fetchFeed(chain('/moved', [301, 308]), {}, options()));
    expect(outcome.permanentUrl).toBe(server.url('/moved/end'));

    const notModified = await fetchFeed(server.url('/moved/0'), { etag: outcome.etag }, options());
    expect(notModified).toEqual({ kind: 'not-modified', finalUrl: server.url('/moved/end'), permanentUrl: server.url('/moved/end') });
  });

  it('keeps only the permanent part of a chain that then turns temporary', async () => {
    const outcome = fetched(await fetchFeed(chain('/mixed', [301, 302, 301]), {}, options()));
    expect(outcome.permanentUrl).toBe(server.url('/mixed/1'));
    expect(outcome.finalUrl).toBe(server.url('/mixed/end'));
  });

  it('does not treat a temporary redirect as a move', async () => {
    const outcome = fetched(await fetchFeed(chain('/temp', [302]), {}, options()));
    expect(outcome.permanentUrl).toBeUndefined();
  });

  it('refuses a redirect to something other than http(s)', async () => {
    server.redirect('/to-file', 'file:///etc/passwd', 302);
    const error = await fetchError(fetchFeed(server.url('/to-file'), {}, options()));
    expect(error.kind).toBe('invalid-url');
    expect(error.message).toContain('file:');
  });
});

/** Streams `totalBytes` of filler honouring backpressure; resolves with how many bytes were written when the socket closed. */
function streamFiller(res: ServerResponse, totalBytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let written = 0;
  return new Promise((resolve) => {
    res.on('close', () => resolve(written));
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const pump = () => {
      while (written < totalBytes && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
}

describe('body cap', () => {
  it('drops a 50 MB stream soon after passing the cap', async () => {
    let closedAfter: Promise<number> | undefined;
    server.setRoute('/huge.xml', (_req, res) => {
      closedAfter = streamFiller(res, 50 * MiB);
    });
    const error = await fetchError(fetchFeed(server.url('/huge.xml'), {}, options({ maxBytes: MiB })));
    expect(error.kind).toBe('too-large');
    expect(error.message).toContain('1 MB');
    const written = await closedAfter!;
    // Socket buffers on both sides hold a few MB at most; reading on to 50 MB would not stop here.
    expect(written).toBeLessThan(16 * MiB);
  });

  it('refuses a declared Content-Length over the cap without reading', async () => {
    server.setRoute('/declared.xml', (_req, res) => {
      res.writeHead(200, { 'content-length': String(5 * MiB) });
      res.write('<rss>');
    });
    const error = await fetchError(fetchFeed(server.url('/declared.xml'), {}, options({ maxBytes: MiB })));
    expect(error.kind).toBe('too-large');
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('applies the cap to the decompressed size (%s zip bomb)', async (encoding, compress) => {
    const bomb = compress(Buffer.alloc(20 * MiB));
    expect(bomb.length).toBeLessThan(MiB / 10);
    server.setRoute('/bomb.xml', (_req, res) => res.writeHead(200, { 'content-encoding': encoding }).end(bomb));
    const error = await fetchError(fetchFeed(server.url('/bomb.xml'), {}, options({ maxBytes: MiB })));
    expect(error.kind).toBe('too-large');
  });

  it('accepts a body exactly at the cap', async () => {
    server.setFeed('/exact.xml', Buffer.alloc(64 * 1024, 'x'), { encoding: 'gzip' });
    const outcome = fetched(await fetchFeed(server.url('/exact.xml'), {}, options({ maxBytes: 64 * 1024 })));
    expect(outcome.body.length).toBe(64 * 1024);
  });
});

describe('deadline', () => {
  it('cuts a server that drips a byte every 200 ms', async () => {
    let dripped = 0;
    server.setRoute('/drip.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const timer = setInterval(() => {
        dripped += 1;
        res.write('<');
      }, 200);
      res.on('close', () => clearInterval(timer));
    });
    const error = await fetchError(fetchFeed(server.url('/drip.xml'), {}, options({ timeoutMs: 1000 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('within 1 s');
    expect(dripped).toBeGreaterThan(0);
  });

  it('cuts a server that never answers', async () => {
    server.setRoute('/silent.xml', () => undefined);
    const error = await fetchError(fetchFeed(server.url('/silent.xml'), {}, options({ timeoutMs: 500 })));
    expect(error.kind).toBe('timeout');
  });

  it('stops when the caller aborts, with the caller\'s reason', async () => {
    server.setRoute('/abort.xml', () => undefined);
    const controller = new AbortController();
    const pending = fetchFeed(server.url('/abort.xml'), {}, options({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
    await expect(pending).rejects.not.toBeInstanceOf(FetchError);
  });
});

describe('HTTP errors', () => {
  it('turns 429 with Retry-After in seconds into rate-limited', async () => {
    server.setRoute('/busy.xml', (_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const error = await fetchError(fetchFeed(server.url('/busy.xml'), {}, options()));
    expect(error).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 120_000 });
    expect(error.message).toContain('120 s');
  });

  it('turns 429 with an HTTP-date Retry-After into the time left', async () => {
    const at = new Date(Date.now() + 90_000).toUTCString();
    server.setRoute('/busy-date.xml', (_req, res) => res.writeHead(429, { 'retry-after': at }).end());
    const error = await fetchError(fetchFeed(server.url('/busy-date.xml'), {}, options()));
    expect(error.kind).toBe('rate-limited');
    // The date has whole seconds and a slow machine takes a while: allow both.
    expect(error.retryAfterMs).toBeGreaterThan(30_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(90_000);
  });

  it('treats 503 as rate-limited too, with or without Retry-After', async () => {
    server.setRoute('/down.xml', (_req, res) => res.writeHead(503).end());
    const error = await fetchError(fetchFeed(server.url('/down.xml'), {}, options()));
    expect(error).toMatchObject({ kind: 'rate-limited', status: 503, retryAfterMs: undefined });
  });

  it('turns 500 into an http error with its status', async () => {
    server.setRoute('/broken.xml', (_req, res) => res.writeHead(500).end('oops'));
    const error = await fetchError(fetchFeed(server.url('/broken.xml'), {}, options()));
    expect(error).toMatchObject({ kind: 'http', status: 500 });
    expect(error.message).toContain(server.url('/broken.xml'));
    expect(error.message).toContain('HTTP 500');
  });

  it('says a 404 feed seems gone', async () => {
    const error = await fetchError(fetchFeed(server.url('/never-existed.xml'), {}, options()));
    expect(error).toMatchObject({ kind: 'http', status: 404 });
    expect(error.message).toContain('gone');
  });
});

describe('connection problems', () => {
  it('reports a refused connection as a network error', async () => {
    const closed = await startFeedServer();
    const url = closed.url('/feed.xml');
    await closed.close();
    const error = await fetchError(fetchFeed(url, {}, options({ allowHosts: [closed.host] })));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('retries once on a fresh connection when a kept-alive one turns out closed', async () => {
    const served = new WeakSet<Socket>();
    server.setRoute('/stale.xml', (req, res) => {
      // Every second request on a connection finds it closed, as when a server's idle timeout fires.
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      res.writeHead(200).end(FEED);
    });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await fetchFeed(server.url('/stale.xml'), {}, options())).kind).toBe('fetched');
    }
    expect(requestsTo('/stale.xml')).toHaveLength(5);
  });

  it('reports a name that does not resolve as a dns error', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    };
    const error = await fetchError(fetchFeed('http://nowhere.example/feed', {}, options({ lookup })));
    expect(error.kind).toBe('dns');
    expect(error.message).toContain('nowhere.example');
  });

  it.each(['not a url', 'ftp://example.com/feed', 'javascript:alert(1)'])('refuses %s as an invalid URL', async (url) => {
    const error = await fetchError(fetchFeed(url, {}, options()));
    expect(error.kind).toBe('invalid-url');
  });
});

describe('per-host concurrency', () => {
  async function peakConcurrency(path: string, limiter: HostLimiter, requests: number): Promise<number> {
    let active = 0;
    let peak = 0;
    server.setRoute(path, (_req, res) => {
      active += 1;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active -= 1;
        res.writeHead(200).end(FEED);
      }, 100);
    });
    await Promise.all(Array.from({ length: requests }, () => fetchFeed(server.url(path), {}, options({ limiter }))));
    return peak;
  }

  it('never lets more than two requests at once reach one host', async () => {
    expect(await peakConcurrency('/limited.xml', new HostLimiter(2), 8)).toBe(2);
  });

  it('would let them all through with a looser limiter (the server does count)', async () => {
    expect(await peakConcurrency('/unlimited.xml', new HostLimiter(100), 8)).toBeGreaterThan(2);
  });
});
