import { once } from 'node:events';
import { DiscordAPIError, Events, type Client } from 'discord.js';
import { verifyDiscordToken } from '../../platforms/discord/bot-login.js';
import { createDiscordClient, type DiscordConfig } from '../../platforms/discord/client.js';
import { TokenRejectedError } from '../../platforms/token-rejected.js';
import { cannotPostReason } from '../../platforms/discord/permissions.js';
import type { Subscription } from '../../subscriptions/model.js';
import { destinationName, inactiveResult, missingTokenResults, uncheckedDestinations } from './destinations.js';
import { describeError, type CheckResult } from './report.js';

const TIMEOUT_MS = 10_000;

async function tokenCheck(config: DiscordConfig): Promise<CheckResult> {
  try {
    const user = await verifyDiscordToken(config, AbortSignal.timeout(TIMEOUT_MS));
    return { name: 'discord token', status: 'ok', detail: `${user.username} (id ${user.id})` };
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      return {
        name: 'discord token',
        status: 'problem',
        detail: error.message,
        fix: 'reset the token under Bot in the Developer Portal and put it in DISCORD_BOT_TOKEN',
      };
    }
    return {
      name: 'discord token',
      status: 'problem',
      detail: `cannot reach the Discord API${config.apiBase ? ` at ${config.apiBase}` : ''}: ${describeError(error)}`,
      fix: 'check the network (outbound HTTPS) and discord.apiBase / DISCORD_API_BASE',
    };
  }
}

/** Connects to the gateway, so channel permissions come from the same cache the bot decides with. */
async function connect(config: DiscordConfig): Promise<Client> {
  const client = createDiscordClient(config, { timeoutMs: TIMEOUT_MS });
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  try {
    await client.login();
    await ready;
    return client;
  } catch (error) {
    await client.destroy();
    throw error;
  }
}

async function destinationCheck(client: Client, subscription: Subscription): Promise<CheckResult> {
  const name = destinationName(subscription);
  const { chatId, threadId } = subscription.destination;
  try {
    const channel = await client.channels.fetch(threadId ?? chatId);
    if (!channel || !('guild' in channel)) return { name, status: 'problem', detail: 'not a server channel Herald can post in' };
    const reason = cannotPostReason(channel, await channel.guild.members.fetchMe());
    if (reason) return { name, status: 'problem', detail: `#${channel.name}: ${reason}` };
    return { name, status: 'ok', detail: `Herald can post in #${channel.name} (${channel.guild.name})` };
  } catch (error) {
    if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) {
      return { name, status: 'problem', detail: `Discord says: ${error.message}`, fix: "give Herald's role View Channel there, or remove the subscription if the channel is gone" };
    }
    return { name, status: 'problem', detail: `could not check: ${describeError(error)}` };
  }
}

/**
 * The Discord token (GET /users/@me), then each Discord subscription: the channel exists and
 * Herald's role has the permissions delivery needs there.
 */
export async function checkDiscord(config: DiscordConfig, subscriptions: Subscription[], progress: (step: string) => void): Promise<CheckResult[]> {
  if (!config.token) return missingTokenResults('discord', 'DISCORD_BOT_TOKEN', subscriptions);
  progress('Discord: checking the token (GET /users/@me)');
  const token = await tokenCheck(config);
  if (token.status !== 'ok') return [token, ...uncheckedDestinations(subscriptions, 'the token does not work')];
  const active = subscriptions.filter((subscription) => subscription.active);
  if (active.length === 0) return [token, ...subscriptions.map(inactiveResult)];
  progress('Discord: connecting to the gateway to read channel permissions');
  let client: Client;
  try {
    client = await connect(config);
  } catch (error) {
    return [token, { name: 'discord gateway', status: 'problem', detail: `cannot connect: ${describeError(error)}` }, ...uncheckedDestinations(active, 'no gateway connection')];
  }
  const results = [token];
  try {
    for (const [index, subscription] of subscriptions.entries()) {
      progress(`Discord: destination ${index + 1} of ${subscriptions.length}`);
      results.push(subscription.active ? await destinationCheck(client, subscription) : inactiveResult(subscription));
    }
  } finally {
    await client.destroy();
  }
  return results;
}
