/**
 * `herald preview` with an LLM in the config file and its key in the environment, as a user
 * tries an LLM setup before starting Herald: the built CLI against the LLM emulator.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLlmEmulator, type LlmEmulator } from '../emulators/llm-api.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'src', 'cli.js');
const feeds = ['01', '02', '03', '04', '05', '06'].map((n) => join(root, 'docs/examples/feeds/en', `outlet-${n}.xml`));

let llm: LlmEmulator;
let configFile: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm ci does)`);
  llm = await startLlmEmulator();
  configFile = join(await mkdtemp(join(tmpdir(), 'herald-llm-preview-')), 'herald.config.yaml');
  await writeFile(configFile, ['llm:', `  baseUrl: ${llm.baseUrl}`, '  model: preview-model', '  timeoutMs: 5000'].join('\n'));
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  llm.requests.length = 0;
});

async function preview(): Promise<{ stdout: string; stderr: string }> {
  const args = [cli, 'preview', '--config', configFile, ...feeds, '--tz', 'Europe/London', '--date', '2025-03-12', '--window', '240'];
  return run(process.execPath, args, { cwd: root, env: { ...process.env, HERALD_LLM_API_KEY: 'sk-preview', OPENAI_API_KEY: '' }, maxBuffer: 16 * 1024 * 1024 });
}

describe('herald preview with an LLM configured', () => {
  it('has the model write the bullets, sending the key from HERALD_LLM_API_KEY', async () => {
    llm.behave('good');
    const { stdout, stderr } = await preview();
    expect(stdout).toContain('This summary was written by the model.');
    expect(stderr).not.toContain('LLM summaries');
    expect(llm.requests.length).toBeGreaterThan(0);
    expect(llm.requests.every((request) => request.authorization === 'Bearer sk-preview' && request.model === 'preview-model')).toBe(true);
  });

  it('says on stderr which stories fell back to extractive summaries, and why', async () => {
    llm.behave('error');
    const { stdout, stderr } = await preview();
    expect(stdout).not.toContain('written by the model');
    expect(stderr).toMatch(/^herald: LLM summaries: \d+ of \d+ stories got extractive summaries: request failed ×3, not asked after failures in a row ×\d+ \(chat endpoint answered HTTP 500\)$/m);
    expect(llm.requests).toHaveLength(3);
  });
});
