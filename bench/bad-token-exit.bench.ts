/**
 * How long `herald start` (the built CLI, as `npm start` runs it) takes to exit when the platform
 * refuses its bot token, against the Telegram and Discord emulators; beside it, in the same run,
 * how long the same CLI takes just to print its version (starting Node and loading Herald), the
 * part of that time Herald itself cannot shorten.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDiscordEmulator } from '../test/emulators/discord-api.js';
import { startTelegramEmulator } from '../test/emulators/telegram-bot-api.js';
import { startRedis } from '../test/support/redis.js';
import { median, timeIt, withRatio, type Benchmark } from './harness.js';

const root = resolve(import.meta.dirname, '..');
const RUNS = 3;

/** Runs the built CLI to its end; its exit code and how long that took. */
async function cli(args: string[], env: Record<string, string>): Promise<{ ms: number; code: number | null }> {
  const { ms, result } = await timeIt(
    () =>
      new Promise<number | null>((resolveExit) => {
        const child = spawn(process.execPath, [join(root, 'dist/src/cli.js'), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' });
        child.once('exit', (code) => resolveExit(code));
      }),
  );
  return { ms, code: result };
}

async function medianOf(runs: () => Promise<{ ms: number; code: number | null }>, expectedCode: number): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { ms, code } = await runs();
    if (code !== expectedCode) throw new Error(`exit code ${code}, expected ${expectedCode}`);
    times.push(ms);
  }
  return median(times);
}

const bench: Benchmark = {
  title: `herald start with a refused bot token: time to exit 1 (median of ${RUNS})`,
  async run(log) {
    const [redis, telegram, discord] = await Promise.all([startRedis(), startTelegramEmulator({ token: '424242:bench-token' }), startDiscordEmulator()]);
    try {
      const config = join(await mkdtemp(join(tmpdir(), 'herald-bench-token-')), 'herald.config.yaml');
      await writeFile(config, 'feeds: []\n');
      const common = { REDIS_URL: redis.url, HERALD_PREFIX: 'bench-token', LOG_FORMAT: 'json', TELEGRAM_BOT_TOKEN: '', DISCORD_BOT_TOKEN: '' };
      const load = loadavg()[0]!.toFixed(1);
      const version = await medianOf(() => cli(['--version'], common), 0);
      const telegramMs = await medianOf(() => cli(['start', '--config', config], { ...common, TELEGRAM_BOT_TOKEN: '424242:revoked', TELEGRAM_API_ROOT: telegram.apiRoot }), 1);
      const discordMs = await medianOf(() => cli(['start', '--config', config], { ...common, DISCORD_BOT_TOKEN: 'revoked', DISCORD_API_BASE: discord.apiBase }), 1);
      log(`herald --version ${version.toFixed(0)} ms; refused Telegram token ${telegramMs.toFixed(0)} ms, Discord ${discordMs.toFixed(0)} ms (load ${load})`);
      const note = `baseline: herald --version (Node start and module loading); load average ${load}`;
      return [
        withRatio({ name: 'refused Telegram token: herald start to exit 1', value: telegramMs, unit: 'ms', baseline: version, note }),
        withRatio({ name: 'refused Discord token: herald start to exit 1', value: discordMs, unit: 'ms', baseline: version, note }),
      ];
    } finally {
      await Promise.all([telegram.close(), discord.close(), redis.stop()]);
    }
  },
};

export default bench;
