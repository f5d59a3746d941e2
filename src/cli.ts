#!/usr/bin/env node
/**
 * `herald <command>`: the one entry point for running, previewing and operating Herald.
 */
import { ConfigError } from './config/config-error.js';
import { commandHelp, parseCommandArgs, UsageError, type CliCommand, type CommandModule } from './cli/command.js';
import { loadDotEnv } from './cli/env-file.js';
import { heraldVersion } from './version.js';

/**
 * Each command is loaded when it is run or its help is asked for: `start` pulls in discord.js,
 * grammY and BullMQ, which `herald preview` or `herald feeds list` should not wait for, and the
 * overview (`herald --help`, an unknown command) loads none.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  start: { summary: 'Runs Herald: the bots, the workers and the schedulers (one process, or split with --role).', load: async () => (await import('./cli/start.js')).startCommand },
  preview: { summary: 'Reads or fetches feeds once and prints the briefing they make. Needs no Redis and no bot tokens.', load: async () => (await import('./cli/preview.js')).previewCommand },
  doctor: { summary: 'Checks the configuration, Redis, the bot tokens, every subscribed chat and the LLM endpoint, and says how to fix what is wrong.', load: async () => (await import('./cli/doctor.js')).doctorCommand },
  feeds: { summary: 'Lists or removes Herald\'s feeds, imports them from an OPML file or exports them as OPML.', load: async () => (await import('./cli/feeds.js')).feedsCommand },
};

async function loadCommand(name: string | undefined): Promise<CliCommand | undefined> {
  if (name === undefined || !Object.hasOwn(COMMANDS, name)) return undefined;
  const { summary, load } = COMMANDS[name]!;
  return { ...(await load()), name, summary };
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `herald ${heraldVersion()}: turns RSS/Atom/JSON feeds into a daily emoji briefing for Telegram and Discord.`,
    '',
    'Usage: herald <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'Run `herald <command> --help` for a command\'s options, `herald --version` for the version.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = await loadCommand(rest[0]);
    process.stdout.write(`${topic ? commandHelp(topic) : overview()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${heraldVersion()}\n`);
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`herald: unknown command "${name}"\n\n${overview()}\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`herald ${command.name}: ${error.message}\nRun \`herald ${command.name} --help\` for usage.\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`herald: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`herald: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
