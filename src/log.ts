import { pino, type Logger } from 'pino';

export type { Logger };

/** Telegram tokens travel inside URLs (`/bot123:ABC…/sendMessage`); scrub them wherever they appear. */
const TELEGRAM_TOKEN = /\b\d{5,}:[A-Za-z0-9_-]{30,}\b/g;
/** Discord tokens: three base64url segments separated by dots. */
const DISCORD_TOKEN = /\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}\b/g;

/** Removes bot tokens and similar secrets from any string. */
export function redactSecrets(text: string): string {
  return text.replace(TELEGRAM_TOKEN, '[REDACTED]').replace(DISCORD_TOKEN, '[REDACTED]');
}

/**
 * JSON logs (pino). Secrets are redacted twice over: by key (token, password, authorization…)
 * and by pattern in messages and error texts, since tokens also hide inside URLs.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { app: 'herald' },
      redact: {
        paths: ['token', '*.token', '*.*.token', 'apiKey', '*.apiKey', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization'],
        censor: '[REDACTED]',
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
