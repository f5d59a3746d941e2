import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';

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
    await expect(loadConfig('/nonexistent/herald.yaml', {})).rejects.toThrow('/nonexistent/herald.yaml has a mistake:\n  - does not exist');
    const dir = await mkdtemp(join(tmpdir(), 'herald-config-'));
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'feeds: [unclosed\n');
    await expect(loadConfig(broken, {})).rejects.toThrow('is not valid YAML');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await loadConfig(undefined, {})).feeds).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });
});
