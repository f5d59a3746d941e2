import { createServer, type Server } from 'node:http';
import { webhookCallback, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { HeraldConfig } from '../../config/schema.js';

export type WebhookConfig = NonNullable<HeraldConfig['telegram']['webhook']>;
export type UpdateType = Exclude<keyof Update, 'update_id'>;

/** The webhook receiver; close() stops listening (the webhook stays registered for the next start). */
export interface WebhookServer {
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves Telegram's webhook posts on host:port at the path of the configured URL and registers
 * the URL with Telegram. grammY answers 401 to any post whose X-Telegram-Bot-Api-Secret-Token
 * header is not the secret, so only Telegram can inject updates; hence no secret, no start.
 */
export async function startWebhookServer(bot: Bot, webhook: WebhookConfig, allowedUpdates: readonly UpdateType[]): Promise<WebhookServer> {
  const { secret } = webhook;
  if (secret === undefined) throw new Error('telegram.webhook.secret is not set: put a random string (letters, digits, "_", "-") in TELEGRAM_WEBHOOK_SECRET');
  const path = new URL(webhook.url).pathname;
  // Telegram re-posts an update that is not answered within its timeout; a slow command (a
  // trial fetch) must not run twice, so the post is answered first and the work goes on.
  const handleUpdate = webhookCallback(bot, 'http', { secretToken: secret, onTimeout: 'return', timeoutMilliseconds: 5_000 });
  const server = createServer((request, response) => {
    const requestPath = new URL(request.url ?? '/', 'http://webhook').pathname;
    if (request.method !== 'POST' || requestPath !== path) {
      response.writeHead(404).end();
      return;
    }
    void handleUpdate(request, response);
  });
  await listen(server, webhook.port, webhook.host);
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    await bot.api.setWebhook(webhook.url, { allowed_updates: allowedUpdates, secret_token: secret });
  } catch (error) {
    // Free the port, or the next start-up try would fail on it instead of trying Telegram again.
    await close();
    throw error;
  }
  return { close };
}
