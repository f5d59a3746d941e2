import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Telegram tokens travel inside URLs (`/bot123:ABC…/sendMessage`); scrub them wherever they
 * appear. Lookarounds rather than `\b`: in `bot123:…` no word boundary precedes the digits.
 */
const TELEGRAM_TOKEN = /(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}(?![A-Za-z0-9_-])/g;
/** Discord tokens: three base64url segments separated by dots. */
const DISCORD_TOKEN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}(?![A-Za-z0-9_-])/g;

/** Removes bot tokens and similar secrets from any string. */
export function redactSecrets(text: string): string {
  return text.replace(TELEGRAM_TOKEN, '[REDACTED]').replace(DISCORD_TOKEN, '[REDACTED]');
}

const CENSOR = '[REDACTED]';
/** Keys whose values are secrets whatever they hold (`botToken`, `apiKey`, `password`, an `Authorization` header…). */
const SECRET_KEY = /(token|apikey|api_key|password|passwd|secret|authorization|cookie)$/i;
/** Log fields nest a few levels at most; the bound also stops at cycles. */
const MAX_SCRUB_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A copy of a log field with secret-named keys censored and tokens cut out of every string. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth >= MAX_SCRUB_DEPTH) return value;
  if (Array.isArray(value)) return value.map((entry) => scrub(entry, depth + 1));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, SECRET_KEY.test(key) ? CENSOR : scrub(entry, depth + 1)]));
}

/**
 * JSON logs (pino). Secrets are redacted twice over: by key (token, apiKey, password,
 * authorization…, at any depth) and by pattern in messages, field values and error texts,
 * since tokens also hide inside URLs.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { app: 'herald' },
      formatters: {
        log: (fields) => scrub(fields) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg)) as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: Error) => ({ type: error.name, message: redactSecrets(error.message), stack: error.stack ? redactSecrets(error.stack) : undefined }),
      },
    },
    options.destination ?? process.stdout,
  );
}
