/**
 * Discord delivery through DiscordSender and the shared Redis limiter into the Discord emulator
 * with Discord's limits on (50 requests/s per bot, 5 messages per 5 s per channel). Two
 * simulated worker processes, each with its own discord.js REST client (each of which would
 * allow itself 50/s): only the shared limiter keeps them together under the global limit.
 * Measured once across many channels (the global limit binds) and once into one channel (the
 * channel's limit binds).
 */
import { ChannelType } from 'discord.js';
import type { DiscordPart } from '../src/render/discord.js';
import { createDiscordRest } from '../src/platforms/discord/client.js';
import { DISCORD_PACING, DiscordSender } from '../src/platforms/discord/sender.js';
import { RedisRateLimiter } from '../src/platforms/rate-limiter.js';
import { defaultGuild, DISCORD_LIMITS, startDiscordEmulator } from '../test/emulators/discord-api.js';
import { startRedis } from '../test/support/redis.js';
import { machineLoad, rateAtLimit, timeAtLimitMs, timeIt, withRatio, type Benchmark, type BenchResult } from './harness.js';

const WORKERS = 2;
const CHANNELS = 100;
const PARTS = 3;
const ONE_CHANNEL_MESSAGES = 15;

const channelId = (i: number) => String(900_000_000_000_000_000n + BigInt(i));

interface Outcome {
  ms: number;
  refused: number;
  delivered: number;
}

/** Sends `parts` parts to each of `channels` channels, `inFlight` deliveries at once per worker. */
async function deliver(channels: number, parts: number, inFlight: number): Promise<Outcome> {
  const guild = defaultGuild();
  guild.channels.push(...Array.from({ length: channels }, (_, i) => ({ id: channelId(i), name: `news-${i}`, type: ChannelType.GuildText as const })));
  const emulator = await startDiscordEmulator({ guilds: [guild] });
  const redis = await startRedis();
  try {
    const senders = Array.from(
      { length: WORKERS },
      () => new DiscordSender({ rest: createDiscordRest({ token: emulator.token, apiBase: emulator.apiBase, owners: [] }), pacer: new RedisRateLimiter(redis.client(), 'bench:ratelimit:{discord}:') }),
    );
    const queue = Array.from({ length: channels }, (_, i) => channelId(i));
    const part = (index: number): DiscordPart => ({ content: `Morning briefing, part ${index + 1}`, allowed_mentions: { parse: [] } });
    const slot = async (sender: DiscordSender) => {
      for (let channel = queue.shift(); channel !== undefined; channel = queue.shift()) {
        for (let index = 0; index < parts; index++) {
          await sender.send({ platform: 'discord', chatId: channel, channelKind: 'text' }, part(index), { index, total: parts, title: 'bench', idempotencyKey: `${channel}:${index}` });
        }
      }
    };
    const { ms } = await timeIt(() => Promise.all(senders.flatMap((sender) => Array.from({ length: inFlight }, () => slot(sender)))));
    const requests = emulator.requests();
    const delivered = Array.from({ length: channels }, (_, i) => emulator.messages(channelId(i)).length).reduce((sum, n) => sum + n, 0);
    return { ms, refused: requests.filter((request) => request.status === 429).length, delivered };
  } finally {
    await emulator.close();
    await redis.stop();
  }
}

const bench: Benchmark = {
  title: `Discord delivery: ${WORKERS} workers, Discord's limits on in the emulator (50/s per bot, 5 per 5 s per channel)`,
  async run(log) {
    const load = machineLoad();
    const wide = await deliver(CHANNELS, PARTS, 25);
    const wideRate = (wide.delivered / wide.ms) * 1000;
    // A rate over a few seconds includes the first window's burst, so the bar is the rate at exactly the limit, not 50/s.
    const wideRateAtLimit = rateAtLimit(wide.delivered, DISCORD_LIMITS.global.limit, DISCORD_LIMITS.global.windowMs);
    log(`${CHANNELS} channels × ${PARTS} parts (${load}): ${wide.delivered} messages in ${(wide.ms / 1000).toFixed(1)} s, ${wideRate.toFixed(1)} msg/s; ${wideRateAtLimit.toFixed(1)} msg/s at exactly 50 per sliding second; ${wide.refused} × 429`);
    const narrow = await deliver(1, ONE_CHANNEL_MESSAGES, 1);
    const idealMs = timeAtLimitMs(ONE_CHANNEL_MESSAGES, DISCORD_LIMITS.channelMessages.limit, DISCORD_LIMITS.channelMessages.windowMs);
    log(`1 channel × ${ONE_CHANNEL_MESSAGES} messages: ${(narrow.ms / 1000).toFixed(1)} s (${(idealMs / 1000).toFixed(0)} s at the limit); ${narrow.refused} × 429`);
    const note = `${load} before; ${WORKERS} workers (own REST clients), shared Redis limiter paced at ${DISCORD_PACING.global.limit}/${DISCORD_PACING.global.perMs} ms and ${DISCORD_PACING.perChannel.limit}/${DISCORD_PACING.perChannel.perMs} ms per channel`;
    const results: BenchResult[] = [
      withRatio({ name: `discord delivery rate (${CHANNELS} channels × ${PARTS} parts)`, value: wideRate, unit: 'msg/s', baseline: wideRateAtLimit, note: `${note}; baseline = ${wide.delivered} messages at exactly Discord's global limit of 50 per sliding second (the first 50 at once)` }),
      { name: 'discord delivery 429s received (many channels)', value: wide.refused, unit: 'count', note },
      withRatio({ name: `discord one channel, ${ONE_CHANNEL_MESSAGES} messages`, value: narrow.ms / 1000, unit: 's', baseline: idealMs / 1000, note: `${note}; baseline = the time at exactly 5 per 5 s` }),
      { name: 'discord 429s received (one channel)', value: narrow.refused, unit: 'count', note },
    ];
    return results;
  },
};

export default bench;
