import { GrammyError, type Api } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { verifyTelegramToken } from '../../platforms/telegram/bot-login.js';
import { createTelegramApi, telegramApiRoot, type TelegramConfig } from '../../platforms/telegram/client.js';
import { TokenRejectedError } from '../../platforms/token-rejected.js';
import { botPostingProblem, chatLabel } from '../../platforms/telegram/permissions.js';
import type { Subscription } from '../../subscriptions/model.js';
import { destinationName, inactiveResult, missingTokenResults, uncheckedDestinations } from './destinations.js';
import { describeError, type CheckResult } from './report.js';

/** Doctor checks answer in seconds or report a problem; grammY's default waits minutes. */
const TIMEOUT_SECONDS = 10;

async function tokenCheck(api: Api, config: TelegramConfig): Promise<{ result: CheckResult; bot?: UserFromGetMe }> {
  try {
    const bot = await verifyTelegramToken(api, config);
    return { result: { name: 'telegram token', status: 'ok', detail: `@${bot.username} (id ${bot.id})` }, bot };
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      return {
        result: {
          name: 'telegram token',
          status: 'problem',
          detail: error.message,
          fix: 'copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN',
        },
      };
    }
    return {
      result: {
        name: 'telegram token',
        status: 'problem',
        detail: `cannot reach the Bot API at ${telegramApiRoot(config)}: ${describeError(error)}`,
        fix: 'check the network (outbound HTTPS) and telegram.apiRoot / TELEGRAM_API_ROOT',
      },
    };
  }
}

async function destinationCheck(api: Api, botId: number, subscription: Subscription): Promise<CheckResult> {
  const name = destinationName(subscription);
  try {
    const chat = await api.getChat(subscription.destination.chatId);
    const problem = await botPostingProblem(api, chat, botId);
    if (problem) return { name, status: 'problem', detail: `${chatLabel(chat)}: ${problem}` };
    return { name, status: 'ok', detail: chat.type === 'private' ? 'private chat (a user who blocked Herald shows only when sending)' : `Herald can post in ${chatLabel(chat)}` };
  } catch (error) {
    if (error instanceof GrammyError && (error.error_code === 400 || error.error_code === 403)) {
      return { name, status: 'problem', detail: `Telegram says: ${error.description}`, fix: 'add Herald to the chat again, or remove the subscription' };
    }
    return { name, status: 'problem', detail: `could not check: ${describeError(error)}` };
  }
}

/**
 * The Telegram token (getMe), then each Telegram subscription: the chat still exists and Herald
 * may post there (getChatMember of the bot itself).
 */
export async function checkTelegram(config: TelegramConfig, subscriptions: Subscription[], progress: (step: string) => void): Promise<CheckResult[]> {
  if (!config.token) return missingTokenResults('telegram', 'TELEGRAM_BOT_TOKEN', subscriptions);
  const api = createTelegramApi(config, { timeoutSeconds: TIMEOUT_SECONDS });
  progress('Telegram: checking the token (getMe)');
  const { result, bot } = await tokenCheck(api, config);
  if (!bot) return [result, ...uncheckedDestinations(subscriptions, 'the token does not work')];
  const results = [result];
  for (const [index, subscription] of subscriptions.entries()) {
    progress(`Telegram: destination ${index + 1} of ${subscriptions.length}`);
    results.push(subscription.active ? await destinationCheck(api, bot.id, subscription) : inactiveResult(subscription));
  }
  return results;
}
