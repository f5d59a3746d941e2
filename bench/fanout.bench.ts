/**
 * Fan-out: one briefing (3 parts) to 5,000 Telegram chats through BullMQ delivery workers and
 * the Bot API emulator with its global limit at 300 messages/s (1/s per chat, as Telegram), the
 * emulator in a process of its own as Telegram is a server elsewhere (see emulator-process.ts).
 * Reports the achieved rate against that limit, the 429s received, and duplicates and losses,
 * once on its own and once beside a CPU hog.
 */
import { startDeliverWorker, type DeliveryResult } from '../jobs/deliver.js';
import { ConsoleSender } from '../src/platforms/console/sender.js';
import type { RateBucket } from '../src/platforms/rate-limiter.js';
import { createTelegramApi } from '../src/platforms/telegram/client.js';
import { TelegramSender } from '../src/platforms/telegram/sender.js';
import { TELEGRAM_PACING, TelegramTransport } from '../src/platforms/telegram/transport.js';
import { createComposeQueue } from '../src/queue/compose-jobs.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { createDeliverQueue, deliveryJobId, fanOut, type DeliverQueue } from '../src/queue/deliver-jobs.js';
import { BriefingStore } from '../src/store/briefings.js';
import { DeliveryStore, type DeadLetter } from '../src/store/deliveries.js';
import { createKeys } from '../src/store/keys.js';
import { SubscriptionStore } from '../src/store/subscriptions.js';
import type { Subscription } from '../src/subscriptions/model.js';
import { TELEGRAM_LIMITS } from '../test/emulators/telegram-bot-api.js';
import { RIG_TOKEN, saveTestBriefing } from '../test/support/delivery-rig.js';
import { startRedis } from '../test/support/redis.js';
import { telegramChat } from '../test/support/subscription-fixtures.js';
import { startEmulatorProcess } from './emulator-process.js';
import { sendTimings, TracedLimiter, type SendTiming } from './limiter-trace.js';
import { commandsProcessed, redisCpuMs } from './redis-stats.js';
import { CONDITIONS, machineLoad, rateAtLimit, timeIt, under, withLoopDelay, withRatio, type Benchmark, type BenchResult, type Conditions } from './harness.js';

const CHATS = 5000;
const PARTS = 3;
const GLOBAL_LIMIT = 300;
/** Two worker processes' worth of workers; each delivery waits ~1.1 s per part on its chat's own limit. */
const WORKERS = 2;
const CONCURRENCY = 200;
const PREFIX = 'bench-fanout';
const BRIEFING_ID = 'fanoutbench';

/**
 * The dead letters once the failed jobs' letters are in, or after 10 s: a worker writes a stalled
 * job's letter a moment after the job fails (its 'failed' handler), so a read at once can miss it.
 */
async function deadLettersOf(deliveries: DeliveryStore, failedJobs: number): Promise<DeadLetter[]> {
  for (let waitedMs = 0; ; waitedMs += 100) {
    const letters = await deliveries.deadLetters();
    if (letters.length >= failedJobs || waitedMs >= 10_000) return letters;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** "completed/delivered, 2 parts recorded × 3": how the deliveries of the chats short of parts ended, so a loss is a lead. */
async function lossOutcomes(queue: DeliverQueue, deliveries: DeliveryStore, subs: Subscription[], counts: number[]): Promise<string> {
  const outcomes = new Map<string, number>();
  for (const [i, sub] of subs.entries()) {
    if ((counts[i] ?? 0) >= PARTS) continue;
    const id = deliveryJobId(BRIEFING_ID, sub.id);
    const job = await queue.getJob(id);
    const result = job?.returnvalue as DeliveryResult | null | undefined;
    const records = [...(await deliveries.parts(id)).values()];
    const skipped = records.filter((record) => 'skipped' in record).length;
    const outcome = `${job ? await job.getState() : 'no job'}${result ? `/${result.status}` : ''}, ${records.length} parts recorded${skipped > 0 ? ` (${skipped} skipped)` : ''}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  return [...outcomes].map(([outcome, n]) => `${outcome} × ${n}`).join('; ');
}

/** One message as it left: when (ms since the clock started) and into which chat. */
interface Sent {
  at: number;
  chat: string;
}

/** The cycles counted as the start: the first window's burst is answered slowly, and the waves it leaves take a few cycles to spread. */
const START_CYCLES = 3;

/**
 * Where a run's time went, from the instants its messages left. A window's worth of sends go 50
 * times: the first at once, were the workers that quick (the ramp: the 300th message's instant;
 * a BullMQ worker fetches jobs one round trip at a time up to its concurrency before it starts
 * any, while the fan-out is still adding them), each later one a cycle after the one a window's
 * worth before it, a cycle being the paced window plus that one's time in flight at least. So
 * the run is the ramp, 49 cycles and the close (the last answers, and the poll that sees the
 * jobs done). A cycle longer than the paced window and the mean time in flight is slots left
 * unused: commits refused, or no part ready for a slot.
 *
 * The cycles are told apart in three stretches, as they differ in kind, each beyond the paced
 * window split in time in flight (of the sends whose answers freed its slots), lateness (how long
 * after its buckets left it free a send was admitted: see sendTimings) and the rest, slots no
 * send was ready for (or the answers' order). The start: the first window's sends all leave within a few ms, so they queue (in
 * the emulator, in the workers' event loop busy starting deliveries) and are long in flight, and
 * each holds the slot it frees back by as much. The end: the last `PARTS - 1` cycles, while the
 * chats whose first part left last still have parts to go, each a window after the answer to the
 * one before, with too few other parts left to fill the slots. A send's answer frees the slot that
 * is its chat's next instant too, so a chat under way keeps its place in every cycle, and a first
 * part waits (a second or so) for a slot that a chat's last part left: the last ones start late.
 * The middle: the paced window, time in flight and lateness alone.
 */
function timeline(sends: readonly Sent[], timings: readonly SendTiming[], ms: number, window: Pick<RateBucket, 'limit' | 'perMs'>, inFlightMs: number): string {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  const at = (index: number) => sorted[index]!.at;
  const ramp = at(window.limit - 1);
  const last = at(sorted.length - 1);
  const cycles = Math.ceil(sorted.length / window.limit) - 1;
  const cycle = (last - ramp) / cycles;
  const unused = cycle - window.perMs - inFlightMs;
  const mean = (timed: readonly SendTiming[], of: (timing: SendTiming) => number) => timed.reduce((sum, timing) => sum + of(timing), 0) / timed.length;
  /**
   * Cycles `from` up to `to` (1-based): how many, their mean, and what it is made of beyond the
   * paced window: the time in flight of the sends whose answers freed their slots (a window's
   * worth before), how late the sends in them were admitted, and the rest.
   */
  const stretch = (from: number, to: number) => {
    const end = Math.min(window.limit * (to + 1), sorted.length);
    const length = (at(end - 1) - at(window.limit * from - 1)) / (to - from + 1);
    const inFlight = mean(timings.slice(window.limit * (from - 1), end - window.limit), (t) => t.inFlightMs);
    const late = mean(timings.slice(window.limit * from, end), (t) => t.lateMs);
    return `${to - from + 1} of ${length.toFixed(1)} ms (${inFlight.toFixed(1)} in flight, ${late.toFixed(1)} admitted late, ${(length - window.perMs - inFlight - late).toFixed(1)} else unused)`;
  };
  const tail = cycles - (PARTS - 1);
  const seen = new Set<string>();
  const firstParts = sorted.filter(({ chat }) => !seen.has(chat) && seen.add(chat));
  const lastFirstPart = firstParts[firstParts.length - 1]!.at;
  const after = sorted.length - sorted.findIndex((sent) => sent.at > lastFirstPart);
  return [
    `first message sent at ${(at(0) / 1000).toFixed(2)} s, the ${window.limit}th at ${(ramp / 1000).toFixed(2)} s; then ${cycles} cycles of ${cycle.toFixed(1)} ms (${window.perMs} paced, ${inFlightMs.toFixed(1)} in flight, ${unused.toFixed(1)} unused):`,
    `the first ${stretch(1, START_CYCLES)}, the middle ${stretch(START_CYCLES + 1, tail)}, the last ${stretch(tail + 1, cycles)}`,
    `(the last chat's first part left ${((last - lastFirstPart) / 1000).toFixed(2)} s before the last message, ${after} messages after it);`,
    `closed ${((ms - last) / 1000).toFixed(2)} s after the last`,
  ].join(' ');
}

/** The time from a chat's first part to its last (ms), p50 and p99: what a reader waits for the rest once the briefing has begun. */
function chatSpread(sends: readonly Sent[]): string {
  const span = new Map<string, { first: number; last: number }>();
  for (const { at, chat } of sends) {
    const seen = span.get(chat);
    if (seen) seen.last = Math.max(seen.last, at);
    else span.set(chat, { first: at, last: at });
  }
  const spreads = [...span.values()].map(({ first, last }) => last - first).sort((a, b) => a - b);
  const quantile = (q: number) => spreads[Math.min(spreads.length - 1, Math.floor(q * spreads.length))]!;
  return `a chat's first part to its last: p50 ${quantile(0.5).toFixed(0)} ms, p99 ${quantile(0.99).toFixed(0)} ms, max ${spreads[spreads.length - 1]!.toFixed(0)} ms`;
}

async function fanOutOnce(conditions: Conditions, log: (line: string) => void): Promise<BenchResult[]> {
  const server = await startRedis();
  const emulator = await startEmulatorProcess({ token: RIG_TOKEN, limits: { globalPerSecond: GLOBAL_LIMIT, perChatPerSecond: 1, perGroupPerMinute: 20 } });
  const connections = Array.from({ length: WORKERS + 1 }, (_, i) => createRedisConnection(server.url, { name: `bench-${i}` }));
  const [main, ...workerConnections] = connections as [typeof connections[0], ...typeof connections];
  const queue = createDeliverQueue(main, PREFIX);
  const composeQueue = createComposeQueue(main, PREFIX);
  const keys = createKeys(PREFIX);
  // Telegram's pacing (a margin under each limit), its global bucket scaled from Telegram's 30/s to this emulator's limit.
  const scale = GLOBAL_LIMIT / TELEGRAM_LIMITS.globalPerSecond;
  const pacing = { ...TELEGRAM_PACING, global: { limit: TELEGRAM_PACING.global.limit * scale, perMs: TELEGRAM_PACING.global.perMs } };
  const limiters = workerConnections.map((connection) => new TracedLimiter(connection, 'bench:ratelimit:'));
  /** Each message as it left (performance.now()), for the timeline. */
  const sent: Sent[] = [];
  const timed = (api: ReturnType<typeof createTelegramApi>) => {
    api.config.use((previous, method, payload, signal) => {
      if (method === 'sendMessage') sent.push({ at: performance.now(), chat: String((payload as { chat_id: number | string }).chat_id) });
      return previous(method, payload, signal);
    });
    return api;
  };
  const workers = workerConnections.map((connection, i) =>
    startDeliverWorker(
      {
        subscriptions: new SubscriptionStore(connection, keys),
        briefings: new BriefingStore(connection, keys),
        deliveries: new DeliveryStore(connection, keys),
        composeQueue,
        senders: {
          telegram: new TelegramSender({
            transport: new TelegramTransport({ api: timed(createTelegramApi({ token: RIG_TOKEN, apiRoot: emulator.apiRoot, owners: [] })), limiter: limiters[i]!, pacing }),
          }),
          console: new ConsoleSender(),
        },
      },
      { connection, prefix: PREFIX, concurrency: CONCURRENCY },
    ),
  );
  try {
    const subscriptions = new SubscriptionStore(main, keys);
    const subs = Array.from({ length: CHATS }, (_, i) => telegramChat(1_000_000 + i));
    const chatIds = subs.map((sub) => Number(sub.destination.chatId));
    await emulator.addPrivateChats(chatIds);
    await Promise.all(subs.map((sub) => subscriptions.upsert(sub)));
    await saveTestBriefing(new BriefingStore(main, keys), BRIEFING_ID, PARTS);
    await Promise.all(workers.map((worker) => worker.waitUntilReady()));

    const load = machineLoad();
    const commandsBefore = await commandsProcessed(main);
    const redisCpuBefore = await redisCpuMs(main);
    const cpuBefore = process.cpuUsage();
    let startedAt = 0;
    let jobsAddedAt = 0;
    let failedJobs = 0;
    const {
      result: { ms },
      loopDelay,
    } = await withLoopDelay(() => under(conditions, () =>
      timeIt(async () => {
        startedAt = performance.now();
        await fanOut(queue, BRIEFING_ID, subs);
        jobsAddedAt = performance.now();
        for (;;) {
          const { completed, failed } = await queue.getJobCounts('completed', 'failed');
          failedJobs = failed ?? 0;
          if ((completed ?? 0) + failedJobs >= CHATS) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    ));
    // Every command Redis ran for the fan-out, each of a Lua script's own included (and the bench's poll for completion, one call each 100 ms).
    const commands = (await commandsProcessed(main)) - commandsBefore;
    // Redis's own CPU for them: beside a hog, it and this process share the cores the sends wait on.
    const redisCpu = (await redisCpuMs(main)) - redisCpuBefore;
    // This process's CPU (the workers, and the bench's own poll), not the emulator's or Redis's.
    const cpu = process.cpuUsage(cpuBefore);
    const counts = await emulator.messageCounts(chatIds);
    const stats = await emulator.stats();
    const duplicates = counts.reduce((sum, n) => sum + Math.max(0, n - PARTS), 0);
    const losses = counts.reduce((sum, n) => sum + Math.max(0, PARTS - n), 0);
    const rate = (stats.sent / ms) * 1000;
    const reachable = rateAtLimit(stats.sent, GLOBAL_LIMIT);
    log(`${conditions} (${load} before): ${stats.sent} messages in ${(ms / 1000).toFixed(1)} s: ${rate.toFixed(0)} msg/s against the emulator's ${GLOBAL_LIMIT}/s; ${(rate / reachable).toFixed(3)} of the ${reachable.toFixed(0)}/s reachable with the first second's burst`);
    const sends = limiters.reduce((sum, limiter) => sum + limiter.stats.sends, 0);
    const inFlightMs = limiters.reduce((sum, limiter) => sum + limiter.stats.inFlightMs, 0) / sends;
    log(`timeline: jobs all added at ${((jobsAddedAt - startedAt) / 1000).toFixed(2)} s; ${timeline(sent.map(({ at, chat }) => ({ at: at - startedAt, chat })), sendTimings(limiters.flatMap((limiter) => [...limiter.sends.values()]), pacing.global, pacing.perChat), ms, pacing.global, inFlightMs)}; ${chatSpread(sent)}`);
    const refused = limiters.reduce((sum, limiter) => sum + limiter.stats.refusedCommits, 0);
    log(`429s received: ${stats.tooManyRequests}; duplicates: ${duplicates}; losses: ${losses}; ${loopDelay}; in flight ${inFlightMs.toFixed(1)} ms per send, ${refused} commits refused; ${(commands / stats.sent).toFixed(1)} Redis commands and ${(redisCpu / stats.sent).toFixed(3)} ms of Redis's CPU per part; ${((cpu.user + cpu.system) / 1000 / stats.sent).toFixed(3)} ms of the workers' process's CPU per part`);
    // A loss is a delivery given up: say why, so a lost message is a lead and not a mystery.
    const deliveries = new DeliveryStore(main, keys);
    const deadLetters = await deadLettersOf(deliveries, failedJobs);
    if (failedJobs > 0 || deadLetters.length > 0) log(`jobs failed: ${failedJobs}; dead letters: ${deadLetters.length}; reasons: ${[...new Set(deadLetters.map((letter) => letter.reason))].join(' | ')}`);
    if (losses > 0) log(`chats short of parts, by their delivery's outcome: ${await lossOutcomes(queue, deliveries, subs, counts)}`);
    const note = `${conditions}, ${load} before, ${loopDelay}, a send in flight ${inFlightMs.toFixed(1)} ms on average; emulator in a process of its own; ${WORKERS} workers × ${CONCURRENCY} deliveries in flight, shared Redis limiter at ${pacing.global.limit}/${pacing.global.perMs} ms, 1/${pacing.perChat.perMs} ms per chat`;
    return [
      withRatio({ name: `fan-out rate (5,000 chats × 3 parts), ${conditions}`, value: rate, unit: 'msg/s', baseline: GLOBAL_LIMIT, note: `${note}; baseline = emulator's global limit (with the first second's burst ${reachable.toFixed(0)}/s is reachable: ${(rate / reachable).toFixed(3)} of it)` }),
      { name: `fan-out 429s received, ${conditions}`, value: stats.tooManyRequests, unit: 'count', note },
      { name: `fan-out duplicates, ${conditions}`, value: duplicates, unit: 'messages', note: 'parts a chat got more than once (must be 0)' },
      { name: `fan-out losses, ${conditions}`, value: losses, unit: 'messages', note: 'parts a chat never got (must be 0)' },
    ];
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    await queue.close();
    await composeQueue.close();
    for (const connection of connections) connection.disconnect();
    await emulator.close();
    await server.stop();
  }
}

const bench: Benchmark = {
  title: `Fan-out: ${PARTS} parts × ${CHATS.toLocaleString('en-US')} Telegram chats, emulator global limit ${GLOBAL_LIMIT}/s, idle and beside a CPU hog`,
  async run(log) {
    const results: BenchResult[][] = [];
    for (const conditions of CONDITIONS) results.push(await fanOutOnce(conditions, log));
    // Idle and busy side by side, figure by figure.
    return results[0]!.flatMap((result, i) => [result, results[1]![i]!]);
  },
};

export default bench;
