import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../src/log.js';

const TELEGRAM_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const DISCORD_TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab';
const SECRETS = [TELEGRAM_TOKEN, DISCORD_TOKEN, 'sk-live-llm-key-0123456789', 'Bearer dashboard-secret', 'hunter2-but-longer'];

/** A logger writing into memory; returns the log lines written so far, parsed and raw. */
function memoryLogger() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  return { logger, raw: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function expectNoSecret(raw: string): void {
  for (const secret of SECRETS) expect(raw).not.toContain(secret);
}

describe('createLogger redaction', () => {
  it('scrubs a Telegram token inside a URL in the message, in a field and in an error', () => {
    const { logger, raw, lines } = memoryLogger();
    const url = `https://api.telegram.org/bot${TELEGRAM_TOKEN}/sendMessage`;
    logger.warn(`POST ${url} failed`);
    logger.warn({ url, request: { url } }, 'send failed');
    logger.error({ err: new Error(`request to ${url} timed out`) }, 'delivery failed');
    expectNoSecret(raw());
    const [message, fields, error] = lines();
    expect(message!.msg).toBe('POST https://api.telegram.org/bot[REDACTED]/sendMessage failed');
    expect(fields!.url).toBe('https://api.telegram.org/bot[REDACTED]/sendMessage');
    expect((error!.err as { message: string }).message).toBe('request to https://api.telegram.org/bot[REDACTED]/sendMessage timed out');
  });

  it('scrubs a Discord token wherever it appears', () => {
    const { logger, raw } = memoryLogger();
    logger.info(`identify with ${DISCORD_TOKEN}`);
    logger.info({ gateway: { note: `token ${DISCORD_TOKEN} rejected` } }, 'gateway closed');
    expectNoSecret(raw());
    expect(raw()).toContain('[REDACTED]');
  });

  it('censors secret-named keys: token, apiKey, password, authorization headers, at any usual depth', () => {
    const { logger, raw, lines } = memoryLogger();
    logger.info({ token: DISCORD_TOKEN }, 'top level');
    logger.info({ config: { telegram: { token: TELEGRAM_TOKEN }, llm: { apiKey: 'sk-live-llm-key-0123456789' } } }, 'config loaded');
    logger.info({ dashboard: { user: 'ops', password: 'hunter2-but-longer' } }, 'dashboard on');
    logger.info({ req: { method: 'GET', headers: { authorization: 'Bearer dashboard-secret', host: 'x' } } }, 'request');
    logger.info({ headers: { Authorization: 'Bearer dashboard-secret' } }, 'capitalised header');
    expectNoSecret(raw());
    const [, config, dashboard, request] = lines();
    expect(config!.config).toEqual({ telegram: { token: '[REDACTED]' }, llm: { apiKey: '[REDACTED]' } });
    expect(dashboard!.dashboard).toEqual({ user: 'ops', password: '[REDACTED]' });
    expect(request!.req).toEqual({ method: 'GET', headers: { authorization: '[REDACTED]', host: 'x' } });
  });

  it('leaves ordinary text alone', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ feed: 'https://example.com/feed.xml', count: 3 }, 'polled 3 feeds at 12:30');
    expect(lines()[0]).toMatchObject({ feed: 'https://example.com/feed.xml', count: 3, msg: 'polled 3 feeds at 12:30' });
  });
});

describe('redactSecrets', () => {
  it('removes any well-formed Telegram token embedded in any text, even glued to other characters', () => {
    const token = fc
      .tuple(fc.integer({ min: 10_000, max: 9_999_999_999 }), fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'), minLength: 35, maxLength: 46 }))
      .map(([id, secret]) => `${id}:${secret}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constant('https://api.telegram.org/bot')), token, fc.string(), (before, secret, after) => {
        expect(redactSecrets(`${before}${secret}${after}`)).not.toContain(secret);
      }),
    );
  });
});
