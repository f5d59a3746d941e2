import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from './model.js';
import type { RecordedFile } from './state.js';
import type { FormErrors } from './validate.js';

/** An error Discord would answer with: HTTP status plus its JSON error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FormErrors,
  ) {
    super(message);
  }

  toJson(): Json {
    return this.errors ? { code: this.code, message: this.message, errors: this.errors } : { code: this.code, message: this.message };
  }
}

export const apiErrors = {
  unauthorized: () => new ApiError(401, 0, '401: Unauthorized'),
  missingAccess: () => new ApiError(403, 50001, 'Missing Access'),
  missingPermissions: () => new ApiError(403, 50013, 'Missing Permissions'),
  unknownChannel: () => new ApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new ApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new ApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new ApiError(404, 10008, 'Unknown Message'),
  unknownInteraction: () => new ApiError(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: () => new ApiError(400, 40060, 'Interaction has already been acknowledged.'),
  emptyMessage: () => new ApiError(400, 50006, 'Cannot send an empty message'),
  nonTextChannel: () => new ApiError(400, 50008, 'Cannot send messages in a non-text channel'),
  invalidFormBody: (errors: FormErrors) => new ApiError(400, 50035, 'Invalid Form Body', errors),
  invalidJson: () => new ApiError(400, 50109, 'The request body contains invalid JSON.'),
  notFound: () => new ApiError(404, 0, '404: Not Found'),
};

export interface ParsedBody {
  json: Json;
  files: RecordedFile[];
}

/** Reads a JSON or multipart (payload_json + files[n]) body, as discord.js sends them. */
export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return { json: {}, files: [] };
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: RecordedFile[] = [];
    let json: Json = {};
    for (const [name, value] of form.entries()) {
      if (name === 'payload_json' && typeof value === 'string') json = JSON.parse(value) as Json;
      else if (typeof value !== 'string') files.push({ name: value.name, size: value.size, text: await value.text() });
    }
    return { json, files };
  }
  try {
    return { json: JSON.parse(raw.toString('utf8')) as Json, files: [] };
  } catch {
    throw apiErrors.invalidJson();
  }
}

/** Per-route buckets in Discord's style: a window of `limit` requests that resets every `windowMs`. */
export class RouteBuckets {
  private readonly windows = new Map<string, { used: number; resetAt: number }>();

  constructor(private readonly plan: { limit: number; windowMs: number }) {}

  /** Counts a request; `exceeded` is true when the bucket was already empty. */
  take(bucketKey: string, now = Date.now()): { headers: Record<string, string>; exceeded: boolean; resetAfterMs: number } {
    let window = this.windows.get(bucketKey);
    if (!window || window.resetAt <= now) this.windows.set(bucketKey, (window = { used: 0, resetAt: now + this.plan.windowMs }));
    window.used += 1;
    const exceeded = window.used > this.plan.limit;
    const resetAfterMs = window.resetAt - now;
    return {
      exceeded,
      resetAfterMs,
      headers: rateLimitHeaders(bucketKey, this.plan.limit, Math.max(0, this.plan.limit - window.used), resetAfterMs),
    };
  }
}

/** A limit as a sliding window: at most `limit` requests in any `windowMs`, counted on arrival. */
export interface SlidingLimit {
  limit: number;
  windowMs: number;
}

/**
 * Discord's limits across routes: requests per second per bot (the global limit; interaction
 * callbacks and webhooks are exempt, as on Discord) and messages per channel or thread. Kept
 * as sliding windows, stricter than Discord's resetting buckets, so pacing that passes here
 * passes there.
 */
export class BotLimits {
  private readonly arrivals = new Map<string, number[]>();

  constructor(private readonly plan: { global: SlidingLimit; channelMessages: SlidingLimit }) {}

  /**
   * Counts a request when every limit it falls under has room; otherwise answers which limit
   * is full and how long until it has room (nothing counted).
   */
  take(request: { global: boolean; messageChannel?: string }, now = performance.now()): { scope: 'global' | 'channel'; retryAfterMs: number } | undefined {
    const checks: Array<['global' | 'channel', string, SlidingLimit]> = [];
    if (request.global) checks.push(['global', 'global', this.plan.global]);
    if (request.messageChannel) checks.push(['channel', `channel:${request.messageChannel}`, this.plan.channelMessages]);
    for (const [scope, key, { limit, windowMs }] of checks) {
      const times = (this.arrivals.get(key) ?? []).filter((at) => at > now - windowMs);
      this.arrivals.set(key, times);
      if (times.length >= limit) return { scope, retryAfterMs: times[times.length - limit]! + windowMs - now };
    }
    for (const [, key] of checks) this.arrivals.get(key)!.push(now);
    return undefined;
  }
}

export function rateLimitHeaders(bucketKey: string, limit: number, remaining: number, resetAfterMs: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': ((Date.now() + resetAfterMs) / 1000).toFixed(3),
    'X-RateLimit-Reset-After': (resetAfterMs / 1000).toFixed(3),
    // Like Discord's: one hash per route shape, shared by every channel (the major parameter is not part of it).
    'X-RateLimit-Bucket': createHash('sha1').update(bucketKey.replace(/\d{5,}/g, ':id')).digest('hex').slice(0, 16),
  };
}

/** Writes JSON, or an empty 204 without a JSON content type (discord.js then skips parsing). */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
