#!/usr/bin/env node
/**
 * `herald <command>`: the one entry point for running, previewing and operating Herald.
 */
import { ConfigError } from './config/config-error.js';
import { commandHelp, parseCommandArgs, UsageError, type CommandRun, type CommandSpec } from './cli/command.js';
import { loadDotEnv } from './cli/env-file.js';
import { doctorSpec, feedsSpec, previewSpec, startSpec } from './cli/specs.js';
import { heraldVersion } from './version.js';

/**
 * Each command's module is loaded only to run it: `start` pulls in discord.js, grammY and
 * BullMQ, which `herald preview` or `herald feeds list` should not wait for. The overview, a
 * command's --help and a mistyped option need only the specs, which load none.
 */
const COMMANDS: Record<string, { spec: CommandSpec; load: () => Promise<CommandRun> }> = {
  start: { spec: startSpec, load: async () => (await import('./cli/start.js')).runStart },
  preview: { spec: previewSpec, load: async () => (await import('./cli/preview.js')).runPreview },
  doctor: { spec: doctorSpec, load: async () => (await import('./cli/doctor.js')).runDoctorCommand },
  feeds: { spec: feedsSpec, load: async () => (await import('./cli/feeds.js')).runFeeds },
};

/** What asks for help in place of a command: `herald help`, `herald --help`, `herald -h`. */
const HELP_WORDS: ReadonlySet<string> = new Set(['help', '--help', '-h']);

function commandNamed(name: string | undefined): (typeof COMMANDS)[string] | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `herald ${heraldVersion()}: turns RSS/Atom/JSON feeds into a daily emoji briefing for Telegram and Discord.`,
    '',
    'Usage: herald <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, { spec }]) => `  ${name.padEnd(width)}  ${spec.summary}`),
    '',
    'New to Herald? `herald preview URL` prints the briefing a feed makes, with nothing set up.',
    'Run `herald <command> --help` for a command\'s options, `herald --version` for the version.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${heraldVersion()}\n`);
    return 0;
  }
  const asksHelp = name === undefined || HELP_WORDS.has(name);
  // `herald help NAME` is about NAME: an unknown one is said so, as `herald NAME` would. Help about help is the overview.
  const wanted = asksHelp ? (HELP_WORDS.has(rest[0] ?? '') ? undefined : rest[0]) : name;
  const command = commandNamed(wanted);
  if (wanted !== undefined && !command) {
    // An option before any command ("herald --verbose") is not a command that does not exist.
    const what = wanted.startsWith('-') ? `unknown option "${wanted}": options go after the command, e.g. herald preview --help` : `unknown command "${wanted}"`;
    process.stderr.write(`herald: ${what}\n\n${overview()}\n`);
    return 2;
  }
  // Without a command here, this is a bare `herald` or `herald help`: the overview.
  if (asksHelp || command === undefined) {
    process.stdout.write(`${command ? commandHelp(command.spec) : overview()}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseCommandArgs(command.spec, rest);
    if (values.help) {
      process.stdout.write(`${commandHelp(command.spec)}\n`);
      return 0;
    }
    const run = await command.load();
    return await run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`herald ${command.spec.name}: ${error.message}\nRun \`herald ${command.spec.name} --help\` for usage.\n`);
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
