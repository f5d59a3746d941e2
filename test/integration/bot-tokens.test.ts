/**
 * The token check `herald start` makes before anything starts, against the platform emulators:
 * a refused token throws with the fix; a platform that is down or slow passes (the bots'
 * start-up retries it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { TokenRejectedError } from '../../src/platforms/token-rejected.js';
import { checkBotTokens } from '../../src/runtime/bots.js';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord-api.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { freePort } from '../support/redis.js';

const TELEGRAM_TOKEN = '5150:token-check';

let telegram: TelegramEmulator;
let discord: DiscordEmulator;

beforeAll(async () => {
  [telegram, discord] = await Promise.all([startTelegramEmulator({ token: TELEGRAM_TOKEN }), startDiscordEmulator()]);
});
afterAll(async () => {
  await Promise.all([telegram.close(), discord.close()]);
});

function configWith(tokens: { telegram?: string; discord?: string; telegramApiRoot?: string; discordApiBase?: string }): HeraldConfig {
  return parseConfig({
    telegram: { token: tokens.telegram ?? '', apiRoot: tokens.telegramApiRoot ?? telegram.apiRoot },
    discord: { token: tokens.discord ?? '', apiBase: tokens.discordApiBase ?? discord.apiBase },
  });
}

async function rejection(config: HeraldConfig): Promise<TokenRejectedError> {
  const error = await checkBotTokens(config).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(TokenRejectedError);
  return error as TokenRejectedError;
}

describe('checkBotTokens', () => {
  it('passes tokens the platforms accept', async () => {
    await expect(checkBotTokens(configWith({ telegram: TELEGRAM_TOKEN, discord: discord.token }))).resolves.toBeUndefined();
  });

  it('refuses a wrong Telegram token (401) and one not shaped like a token (404), saying where to get a new one', async () => {
    const wrong = await rejection(configWith({ telegram: '5150:revoked' }));
    expect(wrong.platform).toBe('telegram');
    expect(wrong.message).toMatch(/^Telegram rejected TELEGRAM_BOT_TOKEN \(401: Unauthorized\): get a new one from @BotFather, \/token/);
    const garbage = await rejection(configWith({ telegram: 'abc' }));
    expect(garbage.message).toMatch(/^Telegram rejected TELEGRAM_BOT_TOKEN \(404: Not Found\): get a new one from @BotFather, \/token/);
  });

  it('refuses a wrong Discord token, pointing at the Developer Portal', async () => {
    const wrong = await rejection(configWith({ telegram: TELEGRAM_TOKEN, discord: 'not-the-token' }));
    expect(wrong.platform).toBe('discord');
    expect(wrong.message).toBe(
      'Discord rejected DISCORD_BOT_TOKEN (401: Unauthorized): reset it under Bot in the Developer Portal (https://discord.com/developers/applications) and put the new one in DISCORD_BOT_TOKEN',
    );
  });

  it('lets an unreachable or silent platform pass: the start-up retries it', { timeout: 30_000 }, async () => {
    const release = discord.stall();
    try {
      const closed = `http://127.0.0.1:${await freePort()}`;
      await expect(checkBotTokens(configWith({ telegram: TELEGRAM_TOKEN, telegramApiRoot: closed, discord: discord.token }))).resolves.toBeUndefined();
    } finally {
      release();
    }
  });
});
