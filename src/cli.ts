#!/usr/bin/env node
/**
 * `herald <command>`: the one entry point for running, previewing and operating Herald.
 */
import { ConfigError } from './config/load.js';
import { commandHelp, parseCommandArgs, UsageError, type CliCommand } from './cli/command.js';
import { loadDotEnv } from './cli/env-file.js';
import { heraldVersion } from './version.js';

/**
 * Each command is loaded when it is run: `start` pulls in discord.js, grammY and BullMQ, which
 * `herald preview` or `herald feeds list` should not wait for.
 */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  start: async () => (await import('./cli/start.js')).startCommand,
  preview: async () => (await import('./cli/preview.js')).previewCommand,
  doctor: async () => (await import('./cli/doctor.js')).doctorCommand,
  feeds: async () => (await import('./cli/feeds.js')).feedsCommand,
};

async function loadCommand(name: string | undefined): Promise<CliCommand | undefined> {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

async function overview(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `herald ${heraldVersion()}: turns RSS/Atom/JSON feeds into a daily emoji briefing for Telegram and Discord.`,
    '',
    'Usage: herald <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `herald <command> --help` for a command\'s options, `herald --version` for the version.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = await loadCommand(rest[0]);
    process.stdout.write(`${topic ? commandHelp(topic) : await overview()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${heraldVersion()}\n`);
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`herald: unknown command "${name}"\n\n${await overview()}\n`);
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
