import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('fills every default from an empty file', () => {
    const config = parseConfig({});
    expect(config.defaults).toMatchObject({ interval: 15, timezone: 'UTC', briefingTime: '07:30', retentionDays: 7 });
    expect(config.fetch).toMatchObject({ timeoutMs: 15_000, maxBytes: 10 * 1024 * 1024, maxRedirects: 5, perHostConcurrency: 2, disableAfterFailures: 10 });
    expect(config.redis.prefix).toBe('herald');
  });

  it('names the key and what is wrong, one line per mistake', () => {
    expect(
      problems({
        defaults: { timezone: 'Mars/Olympus', briefingTime: '7:30' },
        feeds: [{ url: 'nope', interval: 0 }, { url: 'https://a.example/feed', interval: '15m' }],
        bogus: true,
      }),
    ).toEqual([
      'defaults.timezone: must be an IANA time zone, e.g. "Europe/Berlin" or "UTC"',
      'defaults.briefingTime: must be a time of day as HH:MM, e.g. "07:30"',
      'feeds[0].url: must be an http(s) URL, e.g. "https://example.com/feed.xml", or a local path starting with "/", "./" or "file:"',
      'feeds[0].interval: must be at least 1 minute',
      'feeds[1].interval: must be a number of minutes, e.g. 15 (no unit)',
      'unknown key "bogus"',
    ]);
  });

  it('takes a feed as a bare URL and a section as a bare emoji', () => {
    const config = parseConfig(parseYaml('feeds:\n  - https://a.example/feed.xml\n  - url: https://b.example/feed.xml\n    section: World\nsections:\n  World: "🌍"\n  Tech:\n    emoji: "💻"\n'));
    expect(config.feeds).toEqual([{ url: 'https://a.example/feed.xml' }, { url: 'https://b.example/feed.xml', section: 'World' }]);
    expect(config.sections).toEqual({ World: { emoji: '🌍' }, Tech: { emoji: '💻' } });
  });

  it('reads a browser\'s feed:// URL as the http:// one and feed:https://… as the https:// one, as /addfeed does', () => {
    const config = parseConfig(parseYaml('feeds:\n  - feed://a.example/rss\n  - url: feed:https://b.example/atom\n    name: B\n'));
    expect(config.feeds).toEqual([{ url: 'http://a.example/rss' }, { url: 'https://b.example/atom', name: 'B' }]);
    expect(problems({ feeds: ['feed:ftp://c.example/rss'] })).toEqual(['feeds[0].url: must be an http(s) URL, e.g. "https://example.com/feed.xml", or a local path starting with "/", "./" or "file:"']);
  });

  it('shows the right form when feeds or sections are written another way', () => {
    expect(problems({ feeds: 'https://a.example/feed.xml', sections: ['World'] })).toEqual([
      'feeds: must be a list of feeds, one "- https://…" per line',
      'sections: must map section names to emoji, e.g. World: "🌍" on its own line',
    ]);
    expect(problems({ feeds: [42, 'not a url'], sections: { World: 7 } })).toEqual([
      'feeds[0]: must be a feed URL, e.g. "- https://example.com/feed.xml", or "- url: …" with name, section, interval or weight under it',
      'feeds[1].url: must be an http(s) URL, e.g. "https://example.com/feed.xml", or a local path starting with "/", "./" or "file:"',
      'sections.World: must be the section\'s emoji, e.g. World: "🌍"',
    ]);
  });

  it('suggests the key an unknown one most likely meant', () => {
    expect(problems({ feed: [], defaults: { timeZone: 'UTC', briefing_time: '07:00' }, feeds: [{ url: 'https://a.example/feed', intervall: 5 }], telegram: { owner: [1], colour: 'red' } })).toEqual([
      'defaults: unknown keys "timeZone" (did you mean "timezone"?), "briefing_time" (did you mean "briefingTime"?)',
      'feeds[0]: unknown key "intervall" (did you mean "interval"?)',
      'telegram: unknown keys "owner" (did you mean "owners"?), "colour"',
      'unknown key "feed" (did you mean "feeds"?)',
    ]);
  });

  it('names the environment variable at fault, and only then', () => {
    expect(() => parseConfig({}, { HERALD_HEALTH_PORT: 'eighty' })).toThrow('the environment has a mistake:\n  - HERALD_HEALTH_PORT: must be a port number, e.g. 8080 (0 picks a free port)');
    expect(() => parseConfig({}, { HERALD_DASHBOARD_USER: 'ops', HERALD_DASHBOARD_PASSWORD: 'short' })).toThrow('HERALD_DASHBOARD_PASSWORD: must be at least 12 characters');
    expect(problems({ health: { port: 70_000 } })).toEqual(['health.port: must be a port number from 0 to 65535']);
  });

  it('lets the environment override the file, for secrets and deployment settings', () => {
    const config = parseConfig({ redis: { url: 'redis://file:6379' } }, { REDIS_URL: 'redis://env:6379', TELEGRAM_BOT_TOKEN: '123:abc', HERALD_PREFIX: 'staging' });
    expect(config.redis).toEqual({ url: 'redis://env:6379', prefix: 'staging' });
    expect(config.telegram.token).toBe('123:abc');
  });

  it('takes the LLM key from HERALD_LLM_API_KEY, and OPENAI_API_KEY only for OpenAI itself', () => {
    const local = { llm: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b' } };
    const openai = { llm: { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' } };
    expect(parseConfig(local, { HERALD_LLM_API_KEY: 'sk-herald' }).llm.apiKey).toBe('sk-herald');
    expect(parseConfig({ llm: { ...local.llm, apiKey: 'sk-file' } }, { HERALD_LLM_API_KEY: 'sk-herald' }).llm.apiKey).toBe('sk-herald');
    expect(parseConfig({ llm: { ...local.llm, apiKey: 'sk-file' } }, { OPENAI_API_KEY: 'sk-openai' }).llm.apiKey).toBe('sk-file');
    expect(parseConfig(openai, { OPENAI_API_KEY: 'sk-openai' }).llm.apiKey).toBe('sk-openai');
    // A key for OpenAI's API is not handed to whoever runs another server.
    expect(parseConfig(local, { OPENAI_API_KEY: 'sk-openai' }).llm.apiKey).toBeUndefined();
    expect(parseConfig({}, { HERALD_LLM_API_KEY: 'sk-herald' }).llm.baseUrl).toBeUndefined();
  });

  it('accepts the example config\'s llm section once it is uncommented', async () => {
    const example = await readFile(join(import.meta.dirname, '..', '..', 'herald.config.example.yaml'), 'utf8');
    const block = /^# llm:.*\n(?:# {3}.*\n)+/m.exec(example)?.[0];
    expect(block).toBeDefined();
    const config = parseConfig(parseYaml(block!.replace(/^# /gm, '')));
    expect(config.llm).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b' });
  });

  it('says when a named file does not exist or is not YAML, and uses defaults when the default file is absent', async () => {
    await expect(loadConfig('/nonexistent/herald.yaml', {})).rejects.toThrow('/nonexistent/herald.yaml has a mistake:\n  - does not exist: check the path, or make it from the example (cp herald.config.example.yaml /nonexistent/herald.yaml)');
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'feeds: [unclosed\n');
    await expect(loadConfig(broken, {})).rejects.toThrow('is not valid YAML');
    const misindented = join(dir, 'misindented.yaml');
    await writeFile(misindented, 'feeds:\n  - url: https://a.example/feed.xml\n   name: A\n');
    const error = (await loadConfig(misindented, {}).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error.problems).toEqual([
      ['is not valid YAML at line 3, column 1: Sequence item without - indicator', '      2 |   - url: https://a.example/feed.xml', '      3 |    name: A', '        | ^'].join('\n'),
    ]);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await loadConfig(undefined, {})).feeds).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads a file by YAML 1.2\'s core schema: yes, dates, 0b… and +0x… stay text, 0x… and +.5e2 are numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const file = join(dir, 'herald.yaml');
    const feed = (url: string, name: string, section: string) => [`  - url: ${url}`, `    name: ${name}`, `    section: ${section}`];
    await writeFile(file, ['defaults:', '  interval: 0x1e', 'feeds:', ...feed('https://a.example/feed.xml', 'yes', '2024-01-01'), ''].join('\n'));
    const config = await loadConfig(file, {});
    expect(config.defaults.interval).toBe(30);
    expect(config.feeds).toMatchObject([{ name: 'yes', section: '2024-01-01' }]);
    await writeFile(file, ['feeds:', ...feed('https://a.example/feed.xml', '0b101', 'on'), ''].join('\n'));
    expect((await loadConfig(file, {})).feeds).toMatchObject([{ name: '0b101', section: 'on' }]);
    await writeFile(file, ['defaults:', '  interval: +.5e2', 'feeds:', ...feed('https://a.example/feed.xml', '+0x1F', 'on'), ''].join('\n'));
    const signed = await loadConfig(file, {});
    expect(signed.defaults.interval).toBe(50);
    expect(signed.feeds).toMatchObject([{ name: '+0x1F' }]);
  });

  it('reads what js-yaml reads apart from the yaml package as the yaml package does: signed hex, octal and .5, directives, tags, null keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const file = join(dir, 'herald.yaml');
    const outcome = async (read: () => unknown) => {
      try {
        return await read();
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    };
    const texts = [
      'feeds:\n  - url: https://a.example/feed.xml\n    name: -0x1F\n    section: +0o17\n  - url: https://b.example/feed.xml\n    name: -0o17\n',
      'feeds:\n  - url: https://a.example/feed.xml\n    weight: -.5\n',
      '%YAML 1.1\n---\nfeeds:\n  - url: https://a.example/feed.xml\n    name: yes\n',
      'feeds:\n  - url: https://a.example/feed.xml\n    name: !!str 0x1F\n',
      'sections:\n  Null: "🌍"\n  World: "🌐"\n',
    ];
    for (const text of texts) {
      await writeFile(file, text);
      expect(await outcome(() => loadConfig(file, {})), text).toEqual(await outcome(() => parseConfig(parseYaml(text, { logLevel: 'silent' }), {}, file)));
    }
  });

  it('says where a tag or directive is not read as written, instead of the yaml package\'s warning on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const file = join(dir, 'herald.yaml');
    const warned: Error[] = [];
    const onWarning = (warning: Error) => warned.push(warning);
    process.on('warning', onWarning);
    try {
      await writeFile(file, 'feeds:\n  - url: https://a.example/feed.xml\n    name: !!float 1\n');
      const tagged = (await loadConfig(file, {}).catch((thrown: unknown) => thrown)) as ConfigError;
      expect(tagged.problems).toEqual([
        [
          'is not read as written at line 3, column 11: Unresolved tag: tag:yaml.org,2002:float (a tag Herald cannot apply to this value: write the value without it)',
          '      2 |   - url: https://a.example/feed.xml',
          '      3 |     name: !!float 1',
          '        |           ^',
        ].join('\n'),
      ]);
      await writeFile(file, '%YAML 1.3\n---\nfeeds: []\n');
      const directive = (await loadConfig(file, {}).catch((thrown: unknown) => thrown)) as ConfigError;
      expect(directive.problems).toEqual([expect.stringMatching(/^is not read as written at line 1, column 7: Unsupported YAML version 1\.3\n/)]);
      // process.emitWarning emits on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warned).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
