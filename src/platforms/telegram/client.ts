/**
 * grammY clients built from Herald's configuration, so the token check and the API root
 * (the real Telegram or a local emulator) are decided in one place.
 */
import { Api, Bot } from 'grammy';
import type { HeraldConfig } from '../../config/schema.js';

export type TelegramConfig = HeraldConfig['telegram'];

/** A client needs only the token and the API root of the Telegram configuration. */
type ClientConfig = Partial<TelegramConfig>;

/** Request tuning passed through to grammY's ApiClient. */
export interface TelegramClientTuning {
  /** Give up on one API call after this long (grammY's default is 500 s). */
  timeoutSeconds?: number;
}

/**
 * The Bot API root requests (and file downloads) go to: `telegram.apiRoot` without trailing
 * slashes (grammY refuses one; a copied URL often has one), else the real Telegram.
 */
export function telegramApiRoot(config: Pick<TelegramConfig, 'apiRoot'>): string {
  return config.apiRoot?.replace(/\/+$/, '') || 'https://api.telegram.org';
}

/** What grammY's ApiClient needs: the token and the API root. */
function clientOptions(config: ClientConfig, tuning: TelegramClientTuning): { token: string; client: { apiRoot?: string; timeoutSeconds?: number } } {
  const token = config.token?.trim();
  if (!token) {
    throw new Error('telegram.token is not set: create a bot with @BotFather and put its token in TELEGRAM_BOT_TOKEN (or telegram.token in the config file)');
  }
  return { token, client: { apiRoot: telegramApiRoot(config), ...(tuning.timeoutSeconds !== undefined && { timeoutSeconds: tuning.timeoutSeconds }) } };
}

/** A grammY Bot (updates, commands) talking to `telegram.apiRoot` or api.telegram.org. */
export function createTelegramBot(config: ClientConfig, tuning: TelegramClientTuning = {}): Bot {
  const { token, client } = clientOptions(config, tuning);
  return new Bot(token, { client });
}

/** A bare grammY Api for sending only (delivery workers need no update handling). */
export function createTelegramApi(config: ClientConfig, tuning: TelegramClientTuning = {}): Api {
  const { token, client } = clientOptions(config, tuning);
  return new Api(token, client);
}
