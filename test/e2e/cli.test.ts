import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Briefing } from '../../src/briefing/model.js';
import { startFeedServer, type FeedServer } from '../emulators/feed-server.js';
import { commandHelp } from '../../src/cli/command.js';
import { doctorSpec, feedsSpec, previewSpec, startSpec } from '../../src/cli/specs.js';
import { FeedStore } from '../../src/store/feeds.js';
import { createKeys } from '../../src/store/keys.js';
import { freePort, startRedis } from '../support/redis.js';

const run = promisify(execFile);
/**
 * Each test starts node processes, several at once; on a shared 2-core machine under load (a
 * second test run beside this one) one `herald --help` has taken 10 s. Generous, never tight.
 */
const SPAWNING = { timeout: 240_000 };
const root = resolve(import.meta.dirname, '..', '..');
const jaFeeds = ['01', '02', '03', '04', '05', '06'].map((n) => join(root, 'docs/examples/feeds/ja', `outlet-${n}.xml`));
// Compiled by the global setup from the current sources, as `npm run build` does for users.
const cli = join(root, 'dist', 'src', 'cli.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `herald` as a user would: the built CLI in its own process, in `base` plus `env`. */
async function herald(args: string[], env: Record<string, string> = {}, cwd = root, base: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd,
      env: { ...base, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A module hook that names on stderr each command module (cli/start.js…) the process loads. */
const COMMAND_LOADS_HOOK = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const name = /\\/cli\\/(start|preview|doctor|feeds)\\.js$/.exec(resolved.url)?.[1];
  if (name) console.error('loaded command module ' + name);
  return resolved;
}`;

/** The command modules `herald args` loads, as the hook names them. */
async function commandModulesLoaded(args: string[]): Promise<string[]> {
  const hook = `data:text/javascript,${encodeURIComponent(COMMAND_LOADS_HOOK)}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hook)}); console.error('hook registered');`;
  const { stderr } = await run(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, cli, ...args], { cwd: root }).catch((error: { stderr: string }) => error);
  // A hook that failed to load would name no module: the test would pass for nothing.
  expect(stderr).toContain('hook registered');
  return [...stderr.matchAll(/^loaded command module (\w+)$/gm)].map((match) => match[1]!);
}

function feedArgs(paths: string[]): string[] {
  return paths.flatMap((path) => ['--feed', path]);
}

function bulletItems(briefing: Briefing): string[] {
  return briefing.sections.flatMap((section) => section.bullets.flatMap((bullet) => bullet.items));
}

describe('herald CLI', SPAWNING, () => {
  it('prints an overview and a help text for every command', async () => {
    const overview = await herald(['--help']);
    expect(overview.code).toBe(0);
    const commands = ['start', 'preview', 'doctor', 'feeds'];
    const helps = await Promise.all(commands.map((command) => herald([command, '--help'])));
    commands.forEach((command, index) => {
      expect(overview.stdout).toContain(command);
      expect(helps[index]!.code, `${command} --help`).toBe(0);
      expect(helps[index]!.stdout).toContain(`Usage: herald ${command}`);
    });
  });

  it('loads no command module for the overview, an unknown command, a command\'s help or a mistyped option; only to run one', async () => {
    const asked = [['--help'], ['frobnicate'], ['help', 'feeds'], ['start', '--help'], ['doctor', '-h'], ['preview', '--colour', 'red'], ['feeds']];
    const loaded = await Promise.all(asked.map((args) => commandModulesLoaded(args)));
    expect(Object.fromEntries(asked.map((args, index) => [args.join(' '), loaded[index]]))).toEqual({
      '--help': [],
      frobnicate: [],
      'help feeds': [],
      'start --help': [],
      'doctor -h': [],
      'preview --colour red': [],
      // Run (and refused for want of an action): the one module, which the hook does see.
      feeds: ['feeds'],
    });
  });

  it('prints each command\'s whole help: usage, summary, every option with what it takes, notes and examples', async () => {
    const specs = [startSpec, previewSpec, doctorSpec, feedsSpec];
    const helps = await Promise.all(specs.map((spec) => herald([spec.name, '--help'])));
    specs.forEach((spec, index) => expect(helps[index], spec.name).toEqual({ code: 0, stdout: `${commandHelp(spec)}\n`, stderr: '' }));
    expect(helps[0]!.stdout.split('\n').slice(0, 9)).toEqual([
      'Usage: herald start [--config FILE] [--role ROLES]',
      '',
      startSpec.summary,
      '',
      'Options:',
      '  --config FILE  configuration file (default: $HERALD_CONFIG, else ./herald.config.yaml when present)',
      '  --role ROLES   what this process runs, comma-separated: bot (answers in Telegram/Discord), worker (polls feeds, composes and sends briefings), scheduler (plans polls and briefings), or all (the default: all three)',
      '  --help, -h     show this help',
      '',
    ]);
    expect(helps[0]!.stdout).toContain('Examples:\n  herald start\n  herald start --role worker\n');
  });

  it('says what in the config YAML is not read as written, with nothing from the yaml package on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
    const file = join(dir, 'tagged.yaml');
    await writeFile(file, 'feeds:\n  - url: https://a.example/feed.xml\n    name: !!float 1\n');
    const listed = await herald(['feeds', 'list', '--config', file]);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toBe(
      [
        `herald: ${file} has a mistake:`,
        '  - is not read as written at line 3, column 11: Unresolved tag: tag:yaml.org,2002:float (a tag Herald cannot apply to this value: write the value without it)',
        '      2 |   - url: https://a.example/feed.xml',
        '      3 |     name: !!float 1',
        '        |           ^',
        '',
      ].join('\n'),
    );
  });

  it('names an unknown command and an unknown option', async () => {
    const unknown = await herald(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badOption = await herald(['preview', '--colour', 'red']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('unknown option "--colour"');
    const [helpOnUnknown, optionFirst] = await Promise.all([herald(['help', 'frobnicate']), herald(['--verbose'])]);
    expect(helpOnUnknown).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^herald: unknown command "frobnicate"\n/) });
    expect(optionFirst).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^herald: unknown option "--verbose": options go after the command/) });
    // Help about help is the overview, as `herald help` alone.
    const overview = await herald(['help']);
    const helpOnHelp = await Promise.all([herald(['help', 'help']), herald(['help', '--help']), herald(['--help', '-h'])]);
    for (const answer of helpOnHelp) expect(answer).toEqual(overview);
  });

  it('names what each option takes in the help texts', async () => {
    const [preview, start, doctor] = await Promise.all([herald(['preview', '--help']), herald(['start', '--help']), herald(['doctor', '-h'])]);
    expect(preview.stdout).toMatch(/--window HOURS\s/);
    expect(preview.stdout).toMatch(/--tz ZONE\s/);
    expect(preview.stdout).toContain('$HERALD_CONFIG');
    expect(start.stdout).toMatch(/--role ROLES\s/);
    expect(doctor.stdout).toMatch(/--config FILE\s/);
    expect(`${preview.stdout}${start.stdout}${doctor.stdout}`).not.toContain('VALUE');
  });

  it('refuses stray words instead of ignoring them', async () => {
    const start = await herald(['start', 'now']);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('unexpected argument "now"');
    const feeds = await herald(['feeds']);
    expect(feeds.code).toBe(2);
    expect(feeds.stderr).toContain('list, remove URL_OR_ID, import FILE.opml or export [FILE]');
  });

  it('says why Redis cannot be reached and what to do', async () => {
    const closedPort = await freePort();
    const env = { REDIS_URL: `redis://127.0.0.1:${closedPort}`, HERALD_CONFIG: '' };
    const exported = await herald(['feeds', 'export'], env);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain('ECONNREFUSED');
    expect(exported.stderr).toContain('set REDIS_URL');
    const elsewhere = await mkdtemp(join(tmpdir(), 'herald-cli-'));
    const doctor = await herald(['doctor'], env, elsewhere);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`no herald.config.yaml in ${elsewhere}, so all defaults`);
    expect(doctor.stdout).toMatch(/redis +PROBLEM +cannot reach Redis .*ECONNREFUSED/);
  });
});

describe('herald preview', SPAWNING, () => {
  let feedServer: FeedServer;
  let configFile: string;

  beforeAll(async () => {
    feedServer = await startFeedServer();
    const dir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
    configFile = join(dir, 'herald.config.yaml');
    await writeFile(configFile, `fetch:\n  allowHosts: ["${feedServer.host}"]\n`);
  });
  afterAll(() => feedServer.close());

  it('prints the Briefing JSON contract: every item in exactly one bullet or counted as dropped', async () => {
    const result = await herald(['preview', ...feedArgs(jaFeeds), '--format', 'json', '--tz', 'Asia/Tokyo']);
    expect(result.code).toBe(0);
    const briefing = JSON.parse(result.stdout) as Briefing;
    expect(briefing.timezone).toBe('Asia/Tokyo');
    expect(briefing.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const items = bulletItems(briefing);
    expect(new Set(items).size).toBe(items.length);
    const stats = briefing.stats as Briefing['stats'] & { itemsCut?: number; itemsMuted?: number };
    expect(items.length + stats.duplicatesDropped + (stats.itemsCut ?? 0) + (stats.itemsMuted ?? 0)).toBe(stats.itemsIn);
    // The six outlets carry reprints of one another: some are merged, and stories have several sources.
    expect(stats.duplicatesDropped + items.length - briefing.sections.flatMap((s) => s.bullets).length).toBeGreaterThan(0);
    expect(briefing.sections.flatMap((s) => s.bullets).some((bullet) => bullet.sources.length > 1)).toBe(true);
    for (const bullet of briefing.sections.flatMap((s) => s.bullets)) {
      expect(bullet.emoji.length).toBeGreaterThan(0);
      expect(bullet.headline).not.toMatch(/<|&[a-z]+;/);
    }
  });

  it('keeps only the window before the end of --date in --tz', async () => {
    const all = JSON.parse((await herald(['preview', ...feedArgs(jaFeeds), '--format', 'json'])).stdout) as Briefing;
    const windowed = JSON.parse(
      (await herald(['preview', ...feedArgs(jaFeeds), '--format', 'json', '--tz', 'Asia/Tokyo', '--date', '2025-03-12', '--window', '48'])).stdout,
    ) as Briefing;
    expect(windowed.date).toBe('2025-03-12');
    expect(windowed.stats.itemsIn).toBeGreaterThan(0);
    expect(windowed.stats.itemsIn).toBeLessThan(all.stats.itemsIn);
  });

  it('prints the exact Telegram and Discord payloads with --parts-json', async () => {
    const telegram = JSON.parse((await herald(['preview', ...feedArgs(jaFeeds), '--format', 'telegram', '--parts-json'])).stdout) as Array<Record<string, unknown>>;
    expect(telegram.length).toBeGreaterThan(0);
    for (const part of telegram) {
      expect(Object.keys(part).sort()).toEqual(['link_preview_options', 'parse_mode', 'text']);
      expect(part.parse_mode).toBe('HTML');
    }
    const discord = JSON.parse((await herald(['preview', ...feedArgs(jaFeeds), '--format', 'discord', '--parts-json'])).stdout) as Array<Record<string, unknown>>;
    for (const part of discord) expect(part.allowed_mentions).toEqual({ parse: [] });
  });

  it('fetches a URL feed once, through the fetcher with its allowlist', async () => {
    feedServer.setFeed(
      '/news.xml',
      '<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title><item><title>Bridge reopens after repairs</title><link>https://wire.example/bridge</link><description>The Elm Street bridge reopened on Monday after six months of repairs.</description></item></channel></rss>',
    );
    const result = await herald(['preview', '--config', configFile, '--feed', feedServer.url('/news.xml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Bridge reopens after repairs');
    expect(result.stdout).toContain('Local Wire');
  });

  it('reads feed:// and feed:http:// addresses as the web addresses they stand for, still through the SSRF guard', async () => {
    feedServer.setFeed('/browser.xml', '<?xml version="1.0"?><rss version="2.0"><channel><title>Browser Wire</title><item><title>Ferry service resumes</title><link>https://wire.example/ferry</link><description>The ferry runs again from Tuesday.</description></item></channel></rss>');
    const address = feedServer.url('/browser.xml');
    const [scheme, wrapped, refused] = await Promise.all([
      herald(['preview', '--config', configFile, address.replace(/^http:/, 'feed:')]),
      herald(['preview', '--config', configFile, `feed:${address}`]),
      herald(['preview', 'feed://10.0.0.1/feed.xml', jaFeeds[0]!]),
    ]);
    for (const result of [scheme, wrapped]) expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('Ferry service resumes') });
    expect(refused.stderr).toMatch(/^herald: skipped http:\/\/10\.0\.0\.1\/feed\.xml: Refused http:\/\/10\.0\.0\.1\/feed\.xml: it resolves to 10\.0\.0\.1, a private network address/);
  });

  it('refuses feed:ftp://… as the ftp:// address it wraps, not as a missing file', async () => {
    const result = await herald(['preview', 'feed:ftp://files.example/feed.xml', jaFeeds[0]!]);
    expect(result.stderr).toContain('herald: skipped ftp://files.example/feed.xml: Refused ftp://files.example/feed.xml: Herald only fetches http:// and https:// addresses, not ftp:.');
  });

  it('refuses a private-network URL with a clear message and still prints the other feeds', async () => {
    const result = await herald(['preview', '--feed', 'http://10.0.0.1/feed.xml', '--feed', jaFeeds[0]!]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/skipped http:\/\/10\.0\.0\.1\/feed\.xml: .*private/i);
    expect(result.stdout.length).toBeGreaterThan(0);
  });

  it('explains a missing file, a bad time zone, a bad date and a bad format', async () => {
    const missing = await herald(['preview', '--feed', './no-such-feed.xml', '--format', 'json']);
    expect(missing.stderr).toContain('no-such-feed.xml: no such file');
    const tz = await herald(['preview', '--feed', jaFeeds[0]!, '--tz', 'Mars/Olympus']);
    expect(tz.code).toBe(2);
    expect(tz.stderr).toContain('--tz must be an IANA time zone');
    const date = await herald(['preview', '--feed', jaFeeds[0]!, '--date', '2025-02-30']);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--date must be a calendar date');
    const format = await herald(['preview', '--feed', jaFeeds[0]!, '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of text, telegram, discord, json');
  });

  it('gives a plain answer for a file that is no feed, an address that is not http(s) and a file that is not there', async () => {
    const env = { HERALD_CONFIG: '', REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
    const [readme, ftp, opml, doctor] = await Promise.all([
      herald(['preview', 'README.md'], env),
      herald(['preview', 'ftp://example.org/feed.xml'], env),
      herald(['feeds', 'import', 'no-such-list.opml'], env),
      herald(['doctor', '--config', 'no-such-config.yaml'], env),
    ]);
    // The README mentions `herald <command>`: that is no root element.
    expect(readme).toMatchObject({ code: 1, stderr: expect.stringMatching(/^herald: skipped README\.md: not a feed: it is neither XML nor JSON \(it starts with "# Herald"\)\n/) });
    expect(ftp).toMatchObject({ code: 1, stderr: expect.stringMatching(/^herald: skipped ftp:\/\/example\.org\/feed\.xml: Refused ftp:\/\/example\.org\/feed\.xml: Herald only fetches http:\/\/ and https:\/\/ addresses, not ftp:\.\n/) });
    // The same words as preview's for a feed file that is not there, not Node's ENOENT.
    expect(opml).toMatchObject({ code: 1, stderr: 'herald feeds: cannot read no-such-list.opml: no such file\n' });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/config +PROBLEM +no-such-config\.yaml does not exist\n +fix: check the path, or make it from the example \(cp herald\.config\.example\.yaml no-such-config\.yaml\)/);
    expect(doctor.stdout).not.toContain('correct no-such-config.yaml');
  });

  it('takes feeds named without --feed, as a shell glob gives them', async () => {
    const named = JSON.parse((await herald(['preview', ...jaFeeds.slice(0, 2), '--format', 'json'])).stdout) as Briefing;
    const flagged = JSON.parse((await herald(['preview', ...feedArgs(jaFeeds.slice(0, 2)), '--format', 'json'])).stdout) as Briefing;
    expect(named.stats.itemsIn).toBeGreaterThan(0);
    expect(named.stats.itemsIn).toBe(flagged.stats.itemsIn);
  });

  it('frames a briefing in the language its undeclared feeds are known to be in, and in English when most are in none known', async () => {
    const fixture = (file: string) => join(root, 'test', 'fixtures', 'feeds', file);
    const titleOf = async (file: string) => (JSON.parse((await herald(['preview', fixture(file), '--format', 'json'])).stdout) as Briefing).title;
    // heise online declares no language and is German; divxplanet is Turkish, one French film title among its entries.
    expect(await titleOf('rss-parser__heise.atom')).toMatch(/^Nachrichtenüberblick · /);
    expect(await titleOf('chardet__iso-8859-9-turkish-divxplanet.com.xml')).toMatch(/^News briefing · /);
  });

  it('fails when no feed could be read, and says when the window missed every item', async () => {
    const unreadable = await herald(['preview', './no-such-feed.xml', './nor-this.xml']);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('none of the 2 feed(s) could be read');
    const missed = await herald(['preview', jaFeeds[0]!, '--date', '2001-01-01', '--window', '24']);
    expect(missed.code).toBe(0);
    expect(missed.stderr).toMatch(/\d+ item\(s\) read, none published in the window; try another --date or a larger --window/);
  });

  it('reads the configuration file named by HERALD_CONFIG, like the other commands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
    const broken = join(dir, 'env.yaml');
    await writeFile(broken, 'defaults:\n  interval: 0\n');
    const result = await herald(['preview', jaFeeds[0]!], { HERALD_CONFIG: broken });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('defaults.interval: must be at least 1 minute');
  });

  it('reads .env from the directory it starts in; variables already set win', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-dotenv-'));
    await writeFile(join(dir, '.env'), '# tokens and settings\nHERALD_CONFIG=./from-dotenv.yaml\n');
    await writeFile(join(dir, 'from-dotenv.yaml'), 'defaults:\n  interval: 0\n');
    await writeFile(join(dir, 'from-environment.yaml'), 'defaults:\n  timezone: Mars/Olympus\n');
    const environment = { ...process.env };
    delete environment.HERALD_CONFIG;
    const fromFile = await herald(['preview', jaFeeds[0]!], {}, dir, environment);
    expect(fromFile.stderr).toContain('./from-dotenv.yaml has a mistake:\n  - defaults.interval: must be at least 1 minute');
    const fromEnvironment = await herald(['preview', jaFeeds[0]!], { HERALD_CONFIG: './from-environment.yaml' }, dir, environment);
    expect(fromEnvironment.stderr).toContain('./from-environment.yaml has a mistake:\n  - defaults.timezone');
  });

  it('accepts herald.config.example.yaml as it ships', async () => {
    const result = await herald(['preview', '--config', join(root, 'herald.config.example.yaml'), jaFeeds[0]!, '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Briefing).timezone).toBe('Europe/Berlin');
  });

  it('reports configuration mistakes by key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'defaults:\n  timezone: Mars/Olympus\nfeeds:\n  - url: nope\n    interval: 0\n');
    const result = await herald(['preview', '--config', broken, '--feed', jaFeeds[0]!]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('defaults.timezone: must be an IANA time zone');
    expect(result.stderr).toContain('feeds[0].interval: must be at least 1 minute');
    expect(result.stderr).toContain('feeds[0].url: must be an http(s) URL');
  });
});

describe('herald doctor', SPAWNING, () => {
  it('names a failing feed and its error, which polls only record on the feed', async () => {
    const redis = await startRedis();
    try {
      const feeds = new FeedStore(redis.client(), createKeys('doctortest'));
      const { feed } = await feeds.add({ url: 'https://gone.example/feed.xml', intervalMinutes: 15 });
      await feeds.saveState(feed.id, { consecutiveFailures: 2, lastError: 'HTTP 404 Not Found' });
      const result = await herald(['doctor'], { REDIS_URL: redis.url, HERALD_PREFIX: 'doctortest', HERALD_CONFIG: '', TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '' });
      expect(result.stdout).toMatch(/feeds +WARN +1 stored, 0 disabled, 1 failing; e\.g\. https:\/\/gone\.example\/feed\.xml: HTTP 404 Not Found/);
      expect(result.stdout).toContain('herald preview URL');
    } finally {
      await redis.stop();
    }
  });
});

describe('herald preview: how many bullets, in which language, from which feeds', () => {
  const enFeeds = ['01', '02', '03', '04', '05', '06'].map((n) => join(root, 'docs/examples/feeds/en', `outlet-${n}.xml`));
  const bulletsOf = (briefing: Briefing) => briefing.sections.flatMap((section) => section.bullets);

  it('takes --bullets N, and says what a wrong N should look like', async () => {
    const [three, all, help, ...wrongs] = await Promise.all([
      herald(['preview', ...jaFeeds, '--format', 'json', '--bullets', '3']),
      herald(['preview', ...jaFeeds, '--format', 'json', '--bullets', '100']),
      herald(['preview', '--help']),
      ...['0', '101', 'many'].map((wrong) => herald(['preview', jaFeeds[0]!, '--bullets', wrong])),
    ]);
    expect(bulletsOf(JSON.parse(three!.stdout) as Briefing)).toHaveLength(3);
    expect(bulletsOf(JSON.parse(all!.stdout) as Briefing).length).toBeGreaterThan(3);
    expect(help!.stdout).toMatch(/--bullets N\s/);
    ['0', '101', 'many'].forEach((wrong, index) => {
      expect(wrongs[index]!.code).toBe(2);
      expect(wrongs[index]!.stderr).toContain(`--bullets must be a whole number from 1 to 100, e.g. --bullets 20; got "${wrong}"`);
    });
  }, 180_000);

  it('speaks defaults.language from the config file, else (no config file) the language of its feeds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
    const japanese = join(dir, 'ja.yaml');
    await writeFile(japanese, 'defaults:\n  language: ja\n');
    const english = join(dir, 'en.yaml');
    await writeFile(english, 'defaults:\n  language: en\n');
    const titleOf = async (args: string[]) => (JSON.parse((await herald(['preview', ...args, '--format', 'json'])).stdout) as Briefing).title;
    const emptyWindow = ['--date', '2020-01-01', '--window', '24'];
    const titles = await Promise.all([titleOf(['--config', japanese, ...enFeeds]), titleOf(['--config', english, ...jaFeeds]), titleOf(jaFeeds), titleOf(enFeeds), titleOf([...jaFeeds, ...emptyWindow])]);
    expect(titles[0]).toMatch(/^ニュースまとめ/);
    expect(titles[1]).toMatch(/^News briefing/);
    expect(titles[2]).toMatch(/^ニュースまとめ/);
    expect(titles[3]).toMatch(/^News briefing/);
    // Nothing in the window: the "nothing new" briefing still speaks the feeds' language.
    expect(titles[4]).toMatch(/^ニュースまとめ/);
  }, 180_000);

  it('draws a briefing over eight feeds from all eight, though one feed is newer than the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-cli-feeds-'));
    const subjects = ['harbour', 'library', 'orchestra', 'vineyard', 'glacier', 'railway', 'museum', 'stadium'];
    const feeds = await Promise.all(
      subjects.map(async (subject, feed) => {
        // Each item its own story: a code no other item shares (k3, k4 …) is all it says.
        const items = Array.from({ length: 12 }, (_, n) => {
          const code = `${String.fromCharCode(97 + feed)}${n}`;
          const at = new Date(Date.UTC(2025, 2, 12 - feed, 12, 0) - n * 60_000).toUTCString();
          return `<item><title>Bulletin ${code}</title><link>https://${subject}.example/${code}</link><pubDate>${at}</pubDate><description>Bulletin ${code} in full.</description></item>`;
        });
        const path = join(dir, `${subject}.xml`);
        await writeFile(path, `<?xml version="1.0"?><rss version="2.0"><channel><title>${subject} Gazette</title>${items.join('')}</channel></rss>`);
        return path;
      }),
    );
    const briefing = JSON.parse((await herald(['preview', ...feeds, '--format', 'json'])).stdout) as Briefing;
    const bullets = bulletsOf(briefing);
    expect(bullets).toHaveLength(12);
    expect(new Set(bullets.flatMap((bullet) => bullet.sources.map((source) => source.name)))).toEqual(new Set(subjects.map((subject) => `${subject} Gazette`)));
  }, 180_000);
});
