#!/usr/bin/env node
/**
 * `herald <command>`: the one entry point for running, previewing and operating Herald.
 */
import { ConfigError } from './config/load.js';
import { commandHelp, parseCommandArgs, UsageError, type CliCommand } from './cli/command.js';
import { doctorCommand } from './cli/doctor.js';
import { loadDotEnv } from './cli/env-file.js';
import { feedsCommand } from './cli/feeds.js';
import { previewCommand } from './cli/preview.js';
import { startCommand } from './cli/start.js';
import { heraldVersion } from './version.js';

const commands: CliCommand[] = [startCommand, previewCommand, doctorCommand, feedsCommand];

function overview(): string {
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
    const topic = commands.find((c) => c.name === rest[0]);
    process.stdout.write(`${topic ? commandHelp(topic) : overview()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${heraldVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
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
