import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

export type ContentEncoding = 'gzip' | 'br' | 'deflate';
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FeedOptions {
  contentType?: string;
  /** Defaults to a hash of the body; `null` sends no ETag. */
  etag?: string | null;
  /** Defaults to the time of setFeed; `null` sends no Last-Modified. */
  lastModified?: string | null;
  /** Serve the body compressed this way (whatever the client asked for). */
  encoding?: ContentEncoding;
}

export interface RecordedRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  /** Date.now() when the request arrived. */
  at: number;
}

/** A programmable HTTP server on 127.0.0.1 that serves feeds to tests and benchmarks. */
export interface FeedServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** "127.0.0.1:PORT", the entry to put in fetch.allowHosts. */
  host: string;
  url(path: string): string;
  /** Serves a feed body with ETag/Last-Modified and honours If-None-Match/If-Modified-Since with 304. */
  setFeed(path: string, body: string | Uint8Array, options?: FeedOptions): void;
  /** Anything custom: the handler owns the response. */
  setRoute(path: string, handler: RouteHandler): void;
  redirect(path: string, to: string, status?: 301 | 302 | 307 | 308): void;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** Extra latency before every response (benchmarks use 50 ms). */
  latencyMs: number;
  close(): Promise<void>;
}

interface StoredFeed {
  body: Buffer;
  contentType: string;
  etag?: string;
  lastModified?: string;
  encoding?: ContentEncoding;
}

const compressors: Record<ContentEncoding, (body: Buffer) => Buffer> = {
  gzip: (body) => gzipSync(body),
  br: (body) => brotliCompressSync(body),
  deflate: (body) => deflateSync(body),
};

function storeFeed(body: string | Uint8Array, options: FeedOptions): StoredFeed {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const etag =
    options.etag === null ? undefined : (options.etag ?? `"${createHash('sha1').update(raw).digest('base64url').slice(0, 16)}"`);
  const lastModified = options.lastModified === null ? undefined : (options.lastModified ?? new Date().toUTCString());
  return {
    body: options.encoding ? compressors[options.encoding](raw) : raw,
    contentType: options.contentType ?? 'application/rss+xml; charset=utf-8',
    etag,
    lastModified,
    encoding: options.encoding,
  };
}

function stripWeak(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** RFC 9110 §13.1: If-None-Match wins over If-Modified-Since when both are sent. */
function isNotModified(req: IncomingMessage, feed: StoredFeed): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (!feed.etag) return false;
    const wanted = stripWeak(feed.etag);
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || stripWeak(tag) === wanted);
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined || !feed.lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Date.parse(feed.lastModified) <= since;
}

function serveFeed(feed: StoredFeed): RouteHandler {
  return (req, res) => {
    const validators: Record<string, string> = {};
    if (feed.etag) validators['etag'] = feed.etag;
    if (feed.lastModified) validators['last-modified'] = feed.lastModified;
    if (isNotModified(req, feed)) {
      res.writeHead(304, validators).end();
      return;
    }
    const headers: Record<string, string | number> = {
      ...validators,
      'content-type': feed.contentType,
      'content-length': feed.body.length,
    };
    if (feed.encoding) headers['content-encoding'] = feed.encoding;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : feed.body);
  };
}

function pathOf(rawUrl: string | undefined): { full: string; pathname: string } {
  const full = rawUrl ?? '/';
  const queryAt = full.indexOf('?');
  return { full, pathname: queryAt === -1 ? full : full.slice(0, queryAt) };
}

/** Starts a feed server on a free port of 127.0.0.1. Routes match the full path first, then the path without its query. */
/** `listenHost: '0.0.0.0'` also answers on 127.0.0.2, 127.0.1.7…: a bench's many "hosts" on one server. */
export async function startFeedServer(options: { latencyMs?: number; listenHost?: string } = {}): Promise<FeedServer> {
  const routes = new Map<string, RouteHandler>();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const { full, pathname } = pathOf(req.url);
    requests.push({ path: full, method: req.method ?? 'GET', headers: req.headers, at: Date.now() });
    const respond = () => {
      const handler = routes.get(full) ?? routes.get(pathname);
      if (handler) handler(req, res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for ${full}\n`);
    };
    if (feedServer.latencyMs > 0) setTimeout(respond, feedServer.latencyMs);
    else respond();
  });
  // Benchmarks open thousands of connections; the default backlog would drop some.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: options.listenHost ?? '127.0.0.1', backlog: 4096 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const feedServer: FeedServer = {
    origin,
    host: `127.0.0.1:${port}`,
    url: (path) => `${origin}${path}`,
    setFeed: (path, body, feedOptions = {}) => {
      routes.set(path, serveFeed(storeFeed(body, feedOptions)));
    },
    setRoute: (path, handler) => {
      routes.set(path, handler);
    },
    redirect: (path, to, status = 302) => {
      routes.set(path, (_req, res) => res.writeHead(status, { location: to }).end());
    },
    requests,
    latencyMs: options.latencyMs ?? 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return feedServer;
}
