import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runDoctor } from '../../src/cli/doctor.js';
import { formatReport, type CheckResult } from '../../src/cli/doctor/report.js';
import { parseConfig } from '../../src/config/load.js';
import type { Destination } from '../../src/platforms/delivery.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscriptions.js';
import { defaultSubscription } from '../../src/subscriptions/defaults.js';
import { defaultIds, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord-api.js';
import { startLlmEmulator } from '../emulators/llm-api.js';
import { startTelegramEmulator, type TelegramEmulator } from '../emulators/telegram-bot-api.js';
import { freePort, startRedis, type TestRedis } from '../support/redis.js';

const TELEGRAM_TOKEN = '700100:doctor-test-token';
const PREFIX = 'doctortest';

let healthy: TestRedis;
let neglected: TestRedis;
let telegram: TelegramEmulator;
let discord: DiscordEmulator;
let dir: string;

async function configFile(name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, name);
  const config = {
    redis: { url: healthy.url, prefix: PREFIX },
    telegram: { token: TELEGRAM_TOKEN, apiRoot: telegram.apiRoot },
    discord: { token: discord.token, apiBase: discord.apiBase },
    ...overrides,
  };
  await writeFile(file, stringify(config));
  return file;
}

async function subscribe(destination: Destination, inactiveReason?: string): Promise<void> {
  const subscription = defaultSubscription(destination, parseConfig({}), new Date());
  const stored = inactiveReason ? { ...subscription, active: false, inactiveReason } : subscription;
  await new SubscriptionStore(healthy.client(), createKeys(PREFIX)).upsert(stored);
}

function row(results: CheckResult[], name: string): CheckResult {
  const found = results.find((result) => result.name === name);
  if (!found) throw new Error(`no row "${name}" in:\n${formatReport(results)}`);
  return found;
}

const quiet = () => undefined;

beforeAll(async () => {
  [healthy, neglected, telegram, discord] = await Promise.all([
    startRedis({ appendOnly: true }),
    startRedis(),
    startTelegramEmulator({ token: TELEGRAM_TOKEN, bot: { username: 'herald_test_bot' } }),
    startDiscordEmulator(),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'herald-doctor-'));
  telegram.addChat({ id: -100200, type: 'supergroup', title: 'News' });
  telegram.addChat({ id: -100300, type: 'channel', title: 'Announcements', botCanPost: false });
  await subscribe({ platform: 'telegram', chatId: '-100200', channelKind: 'supergroup' });
  await subscribe({ platform: 'telegram', chatId: '-100300', channelKind: 'channel' });
  await subscribe({ platform: 'telegram', chatId: '-100999', channelKind: 'supergroup' });
  await subscribe({ platform: 'telegram', chatId: '-100400', channelKind: 'supergroup' }, 'Herald was removed from the group');
  await subscribe({ platform: 'discord', chatId: defaultIds.text, channelKind: 'text' });
  await subscribe({ platform: 'discord', chatId: defaultIds.readOnly, channelKind: 'text' });
  await new FeedStore(healthy.client(), createKeys(PREFIX)).add({ url: 'https://example.com/feed.xml', intervalMinutes: 15 });
});

afterAll(async () => {
  await Promise.all([healthy.stop(), neglected.stop(), telegram.close(), discord.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('herald doctor', () => {
  it('passes Redis and the tokens, and names each destination Herald cannot post in', async () => {
    const steps: string[] = [];
    const results = await runDoctor(await configFile('good.yaml'), (step) => steps.push(step));

    expect(row(results, 'config').status).toBe('ok');
    expect(row(results, 'redis version')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^Redis \d+\.\d+/) });
    expect(row(results, 'redis persistence')).toMatchObject({ status: 'ok', detail: expect.stringContaining('append-only file on') });
    expect(row(results, 'redis eviction policy').status).toBe('ok');
    expect(row(results, 'feeds')).toMatchObject({ status: 'ok', detail: '1 stored, 0 disabled, 0 failing' });
    expect(row(results, 'telegram token')).toMatchObject({ status: 'ok', detail: expect.stringContaining('@herald_test_bot') });
    expect(row(results, 'telegram -100200').status).toBe('ok');
    expect(row(results, 'telegram -100300')).toMatchObject({ status: 'problem', detail: expect.stringContaining('not an administrator of the channel') });
    expect(row(results, 'telegram -100999')).toMatchObject({ status: 'problem', detail: expect.stringContaining('chat not found') });
    expect(row(results, 'telegram -100400')).toMatchObject({ status: 'warn', detail: 'inactive: Herald was removed from the group' });
    expect(row(results, 'discord token')).toMatchObject({ status: 'ok', detail: expect.stringContaining('Herald') });
    expect(row(results, `discord ${defaultIds.text}`)).toMatchObject({ status: 'ok', detail: expect.stringContaining('#news') });
    expect(row(results, `discord ${defaultIds.readOnly}`)).toMatchObject({ status: 'problem', detail: expect.stringContaining('Send Messages') });

    expect(steps.some((step) => step.includes('destination 1 of 4'))).toBe(true);
    const table = formatReport(results);
    expect(table.split('\n')[0]).toMatch(/^CHECK\s+STATUS\s+DETAIL \/ HOW TO FIX$/);
    expect(table).toContain('3 problems found.');
  });

  it('flags Redis without persistence or with an evicting policy, and a rejected token', async () => {
    await neglected.client().config('SET', 'maxmemory-policy', 'allkeys-lru');
    const file = await configFile('neglected.yaml', {
      redis: { url: neglected.url, prefix: PREFIX },
      telegram: { token: '700100:some-other-token', apiRoot: telegram.apiRoot },
    });
    const results = await runDoctor(file, quiet);
    expect(row(results, 'redis persistence')).toMatchObject({ status: 'problem', fix: expect.stringContaining('appendonly yes') });
    expect(row(results, 'redis eviction policy')).toMatchObject({ status: 'problem', detail: expect.stringContaining('allkeys-lru') });
    expect(row(results, 'telegram token')).toMatchObject({ status: 'problem', detail: expect.stringContaining('401'), fix: expect.stringContaining('@BotFather') });
  });

  it('says where Redis was looked for when nothing answers, and still checks the tokens', async () => {
    const file = await configFile('no-redis.yaml', { redis: { url: `redis://127.0.0.1:${await freePort()}` } });
    const results = await runDoctor(file, quiet);
    expect(row(results, 'redis')).toMatchObject({ status: 'problem', detail: expect.stringContaining('cannot reach Redis'), fix: expect.stringContaining('REDIS_URL') });
    expect(row(results, 'telegram token').status).toBe('ok');
    expect(row(results, 'discord token').status).toBe('ok');
  });

  it('checks the LLM endpoint: the model among those it serves, the key, the server being there', async () => {
    const llm = await startLlmEmulator({ models: ['llama3.1:8b', 'qwen2.5:7b'], apiKey: 'sk-doctor' });
    try {
      const check = async (name: string, settings: Record<string, unknown>) => row(await runDoctor(await configFile(name, { llm: settings }), quiet), 'llm endpoint');
      const good = { baseUrl: llm.baseUrl, model: 'llama3.1:8b', apiKey: 'sk-doctor' };
      expect(await check('llm-good.yaml', good)).toMatchObject({ status: 'ok', detail: `llama3.1:8b at ${llm.baseUrl}` });
      expect(await check('llm-model.yaml', { ...good, model: 'mistral' })).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('it lists: llama3.1:8b, qwen2.5:7b'),
        fix: expect.stringContaining('ollama pull mistral'),
      });
      expect(await check('llm-key.yaml', { ...good, apiKey: 'sk-wrong' })).toMatchObject({ status: 'problem', detail: expect.stringContaining('HTTP 401'), fix: expect.stringContaining('HERALD_LLM_API_KEY') });
      expect(await check('llm-gone.yaml', { ...good, baseUrl: `http://127.0.0.1:${await freePort()}/v1` })).toMatchObject({ status: 'problem', detail: expect.stringContaining('models request failed') });
      expect(row(await runDoctor(await configFile('llm-none.yaml'), quiet), 'llm endpoint')).toMatchObject({ status: 'skipped', detail: expect.stringContaining('extractive') });
      expect(llm.requests).toEqual([]);
    } finally {
      await llm.close();
    }
  });

  it('names a feed whose permanent redirect leads onto another feed’s URL, as feed health does, but not a disabled one', async () => {
    const prefix = 'doctorredirect';
    const feeds = new FeedStore(healthy.client(), createKeys(prefix));
    const { feed: holder } = await feeds.add({ url: 'https://news.example/rss', name: 'News', intervalMinutes: 15 });
    const { feed: moved } = await feeds.add({ url: 'https://old-news.example/rss', intervalMinutes: 15 });
    const { feed: disabled } = await feeds.add({ url: 'https://older-news.example/rss', intervalMinutes: 15 });
    const file = await configFile('redirect.yaml', { redis: { url: healthy.url, prefix } });
    expect(row(await runDoctor(file, quiet), 'feed redirects')).toMatchObject({ status: 'ok' });

    // As a poll records it when the store leaves the URL to the feed that holds it.
    const conflict = { redirectsTo: holder.url, redirectsToFeedId: holder.id };
    await feeds.saveState(moved.id, { consecutiveFailures: 0, lastSuccessAt: new Date().toISOString(), ...conflict });
    await feeds.saveState(disabled.id, { consecutiveFailures: 5, disabledReason: 'Disabled after 5 failed polls in a row', ...conflict });
    const results = await runDoctor(file, quiet);
    expect(row(results, 'feed redirects')).toEqual({
      name: 'feed redirects',
      status: 'warn',
      detail: `1 feed(s) redirect onto another feed’s URL; e.g. ${moved.url} redirects permanently to ${holder.url}, which feed News (${holder.id}) already fetches — remove one of them`,
      fix: expect.stringContaining('herald feeds remove ID'),
    });
    expect(row(results, 'feeds')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^3 stored, 1 disabled, 0 failing;/) });
  });

  it('reports a broken configuration file as the one problem, with the key at fault', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'defaults:\n  timezone: Mars/Olympus\n');
    const results = await runDoctor(file, quiet);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ name: 'config', status: 'problem', detail: expect.stringContaining('defaults.timezone'), fix: `correct ${file}` });
  });

  it('says a configuration file that is not there does not exist, and how to make one, rather than to correct it', async () => {
    const file = join(dir, 'missing.yaml');
    const results = await runDoctor(file, quiet);
    expect(results).toEqual([
      {
        name: 'config',
        status: 'problem',
        detail: `${file} does not exist`,
        fix: `check the path, or make it from the example (cp herald.config.example.yaml ${file}), or name none (neither --config nor HERALD_CONFIG) to use herald.config.yaml`,
      },
    ]);
  });
});

describe('herald doctor from the command line', () => {
  /** Runs the real CLI in a child process; resolves with its exit code and output. */
  async function doctor(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['dist/src/cli.js', 'doctor', '--config', file], { timeout: 110_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('exits 0 when every check passes and 1 when one finds a problem, showing progress on stderr', { timeout: 240_000 }, async () => {
    const clean = await doctor(await configFile('clean.yaml', { redis: { url: healthy.url, prefix: 'doctorclean' } }));
    expect(clean.stdout).toContain('All checks passed.');
    expect(clean.code).toBe(0);
    expect(clean.stderr).toContain('Telegram: checking the token');

    const broken = await doctor(await configFile('cli-good.yaml'));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^CHECK\s+STATUS/);
    expect(broken.stdout).toContain('3 problems found.');
  });
});
