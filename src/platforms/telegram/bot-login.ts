/**
 * The token check a Telegram start begins with (getMe). A token Telegram refuses becomes a
 * TokenRejectedError saying where to get a new one; any other failure is left to the caller to
 * retry (the network, a slow or overloaded Bot API).
 */
import { GrammyError, type Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { TokenRejectedError } from '../token-rejected.js';
import { telegramApiRoot, type TelegramConfig } from './client.js';

/** grammY types its signals with a polyfill's class; at run time Node's own AbortSignal is what it passes on to fetch. */
export function grammySignal(signal: AbortSignal | undefined): Parameters<Api['getMe']>[0] {
  return signal as Parameters<Api['getMe']>[0];
}

/** Telegram answers 401 to a revoked or mistyped token, 404 to one that is not shaped like a token at all. */
function isTokenRejection(error: unknown): error is GrammyError {
  return error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404);
}

function rejectionMessage(error: GrammyError, config: TelegramConfig): string {
  // Behind a custom API root a 404 may as well mean the root is not a Bot API server.
  const apiRoot = config.apiRoot ? `; or TELEGRAM_API_ROOT (${telegramApiRoot(config)}) is not a Bot API server` : '';
  return `Telegram rejected TELEGRAM_BOT_TOKEN (${error.error_code}: ${error.description}): get a new one from @BotFather, /token${apiRoot}`;
}

/** Who the token belongs to; throws TokenRejectedError when Telegram refuses it. */
export async function verifyTelegramToken(api: Api, config: TelegramConfig, signal?: AbortSignal): Promise<UserFromGetMe> {
  try {
    return await api.getMe(grammySignal(signal));
  } catch (error) {
    if (isTokenRejection(error)) throw new TokenRejectedError('telegram', rejectionMessage(error, config), { cause: error });
    throw error;
  }
}
