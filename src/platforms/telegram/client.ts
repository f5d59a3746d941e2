/**
 * grammY clients built from Herald's configuration, so the token check and the API root
 * (the real Telegram or a local emulator) are decided in one place.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Api, Bot, type ApiClientOptions } from 'grammy';
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

/**
 * A kept-alive connection left idle this long is closed by Herald, before the server closes it.
 * When the server closes first, a request sent on the connection in that instant meets a
 * connection reset, and a message in it may or may not have been posted: grammY's own agent
 * never closes an idle connection (Node 20 honours a server's `Keep-Alive: timeout=5` hint only
 * for an agent that has a timeout of its own), so it lost that race to every server closing
 * idle connections (Node's and Apache's after 5 s), at the moment a quiet connection is picked
 * again. Well under 5 s even when a busy event loop fires the timer a second or two late; and
 * Node shortens it further to a second under any shorter hint a server sends.
 */
const IDLE_CONNECTION_CLOSE_MS = 2_000;

/** One pool of connections per API root, shared by the Bot and the Apis talking to it (as grammY's own). */
const agents = new Map<string, HttpAgent>();

function agentFor(apiRoot: string): HttpAgent {
  let agent = agents.get(apiRoot);
  if (!agent) {
    const options = { keepAlive: true, timeout: IDLE_CONNECTION_CLOSE_MS };
    agent = apiRoot.startsWith('https:') ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(apiRoot, agent);
  }
  return agent;
}

/** What grammY's ApiClient needs: the token, the API root, and the connections to reach it by. */
function clientOptions(config: ClientConfig, tuning: TelegramClientTuning): { token: string; client: ApiClientOptions } {
  const token = config.token?.trim();
  if (!token) {
    throw new Error('telegram.token is not set: create a bot with @BotFather and put its token in TELEGRAM_BOT_TOKEN (or telegram.token in the config file)');
  }
  const apiRoot = telegramApiRoot(config);
  return { token, client: { apiRoot, baseFetchConfig: { agent: agentFor(apiRoot) }, ...(tuning.timeoutSeconds !== undefined && { timeoutSeconds: tuning.timeoutSeconds }) } };
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
