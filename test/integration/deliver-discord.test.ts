import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDeliverWorker, type DeliverDeps } from '../../jobs/deliver.js';
import { ConsoleSender } from '../../src/platforms/console/sender.js';
import { createDiscordRest } from '../../src/platforms/discord/client.js';
import { DiscordSender } from '../../src/platforms/discord/sender.js';
import { createComposeQueue, type ComposeQueue } from '../../src/queue/compose-jobs.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createDeliverQueue, deliveryJobId, fanOut, type DeliverQueue } from '../../src/queue/deliver-jobs.js';
import { BriefingStore } from '../../src/store/briefings.js';
import { DeliveryStore } from '../../src/store/deliveries.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { defaultIds, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord-api.js';
import { saveTestBriefing } from '../support/delivery-rig.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { subscriptionFor } from '../support/subscription-fixtures.js';

const PREFIX = 'deliver-discord';
const keys = createKeys(PREFIX);

let server: TestRedis;
let redis: Redis;
let emulator: DiscordEmulator;
let deliverQueue: DeliverQueue;
let composeQueue: ComposeQueue;
let deps: DeliverDeps;
let worker: ReturnType<typeof startDeliverWorker>;

beforeAll(async () => {
  [server, emulator] = await Promise.all([startRedis(), startDiscordEmulator()]);
  redis = createRedisConnection(server.url);
  deliverQueue = createDeliverQueue(redis, PREFIX);
  composeQueue = createComposeQueue(redis, PREFIX);
  const discord = new DiscordSender({ rest: createDiscordRest({ token: emulator.token, apiBase: emulator.apiBase, owners: [] }) });
  deps = { subscriptions: new SubscriptionStore(redis, keys), briefings: new BriefingStore(redis, keys), deliveries: new DeliveryStore(redis, keys), composeQueue, senders: { discord, console: new ConsoleSender() } };
  worker = startDeliverWorker(deps, { connection: redis, prefix: PREFIX, concurrency: 4 });
});
afterAll(async () => {
  await worker.close();
  await deliverQueue.close();
  await composeQueue.close();
  redis.disconnect();
  await emulator.close();
  await server.stop();
});

const contents = (channelId: string) => emulator.messages(channelId).map((message) => message.content);
const parts = (id: string) => [1, 2, 3].map((n) => `Part ${n}/3 of ${id}`);

it('posts a briefing to a forum as one post, later parts inside it, and to a text channel in order', async () => {
  await saveTestBriefing(deps.briefings, 'd1');
  const forum = subscriptionFor({ platform: 'discord', chatId: defaultIds.forum, channelKind: 'forum' });
  const text = subscriptionFor({ platform: 'discord', chatId: defaultIds.text, channelKind: 'text' });
  for (const sub of [forum, text]) await deps.subscriptions.upsert(sub);
  await fanOut(deliverQueue, 'd1', [forum, text]);
  await expect.poll(() => Promise.all([forum, text].map((sub) => deliverQueue.getJobState(deliveryJobId('d1', sub.id)))), { timeout: 20_000 }).toEqual(['completed', 'completed']);

  const threads = emulator.threads(defaultIds.forum);
  expect(threads).toEqual([{ id: expect.any(String), name: 'Morning briefing' }]);
  expect(contents(threads[0]!.id)).toEqual(parts('d1'));
  expect(contents(defaultIds.text).slice(-3)).toEqual(parts('d1'));
});

it('resumes a forum delivery inside the post its first part created', async () => {
  await saveTestBriefing(deps.briefings, 'd2');
  const forum = subscriptionFor({ platform: 'discord', chatId: defaultIds.forum, channelKind: 'forum' });
  await deps.subscriptions.upsert(forum);
  const before = emulator.threads(defaultIds.forum).length;
  // As if a worker died after the post (part 1) was recorded.
  const post = await deps.senders.discord!.send(forum.destination, { content: parts('d2')[0]!, allowed_mentions: { parse: [] } }, { index: 0, total: 3, title: 'Morning briefing' });
  await deps.deliveries.recordPart(deliveryJobId('d2', forum.id), 0, post);
  await fanOut(deliverQueue, 'd2', [forum]);
  await expect.poll(() => deliverQueue.getJobState(deliveryJobId('d2', forum.id)), { timeout: 20_000 }).toBe('completed');
  expect(emulator.threads(defaultIds.forum)).toHaveLength(before + 1);
  expect(contents(post.threadId!)).toEqual(parts('d2'));
});

it('deactivates a subscription whose channel the bot cannot see', async () => {
  await saveTestBriefing(deps.briefings, 'd3');
  const gone = subscriptionFor({ platform: 'discord', chatId: defaultIds.hidden, channelKind: 'text' });
  await deps.subscriptions.upsert(gone);
  await fanOut(deliverQueue, 'd3', [gone]);
  await expect.poll(() => deliverQueue.getJobState(deliveryJobId('d3', gone.id)), { timeout: 20_000 }).toBe('completed');
  expect(await deps.subscriptions.get(gone.id)).toMatchObject({ active: false });
  expect((await deps.subscriptions.get(gone.id))!.inactiveReason).toBeTruthy();
  expect(contents(defaultIds.hidden)).toEqual([]);
});
