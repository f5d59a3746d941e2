import { createRequire } from 'node:module';
import { pino, stdTimeFunctions, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * How log lines are written: LOG_FORMAT when set, else readable lines for a person at a terminal
 * and JSON lines for everything else (a file, a pipe, a log collector).
 */
export function chooseLogFormat(requested: string | undefined, destination: NodeJS.WritableStream): LogFormat {
  const wanted = requested?.trim().toLowerCase();
  if (wanted) {
    if ((LOG_FORMATS as readonly string[]).includes(wanted)) return wanted as LogFormat;
    throw new Error(`LOG_FORMAT must be ${LOG_FORMATS.join(' or ')}; got "${requested}"`);
  }
  return (destination as Partial<NodeJS.WriteStream>).isTTY === true ? 'pretty' : 'json';
}

/**
 * One line per entry (fields after the message), ISO time as logged, colours only on a terminal.
 * pino-pretty and its dependencies are loaded only here: a worker logging JSON lines (a container,
 * a log collector) has no use for them, and they cost its start-up some 25 ms.
 */
function prettyStream(destination: NodeJS.WritableStream): NodeJS.WritableStream {
  const { PinoPretty: pretty } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({
    destination,
    sync: true,
    singleLine: true,
    colorize: (destination as Partial<NodeJS.WriteStream>).isTTY === true,
    ignore: 'pid,hostname,app',
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
  });
}

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

export interface LoggerOptions {
  level?: string;
  destination?: NodeJS.WritableStream;
  /** Default: LOG_FORMAT, else by whether the destination is a terminal (see chooseLogFormat). */
  format?: LogFormat;
}

/**
 * Herald's logger (pino): JSON lines, or readable ones at a terminal, with ISO times. Secrets are
 * redacted twice over: by key (token, apiKey, password, authorization…, at any depth) and by
 * pattern in messages, field values and error texts, since tokens also hide inside URLs.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? chooseLogFormat(process.env.LOG_FORMAT, destination);
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { app: 'herald' },
      timestamp: stdTimeFunctions.isoTime,
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
    format === 'pretty' ? prettyStream(destination) : destination,
  );
}
