import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestKey } from '../config/problems.js';

/**
 * What `herald <command> --help` shows and the argument check takes (specs.ts): a command's name,
 * one-line summary, help text and options, without the module that runs it.
 */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** Extra help lines after the option list (examples, notes). */
  details?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Descriptions for the help text, keyed by option name. */
  optionHelp: Record<string, string>;
  /** What a string option's value is, for the help text (e.g. FILE, HOURS); VALUE when not given. */
  optionValues?: Record<string, string>;
}

/** What a command does, given its parsed arguments: in the command's own module, loaded only to run it. */
export type CommandRun = (values: Record<string, string | boolean | string[] | undefined>, positionals: string[]) => Promise<number>;

/** A mistake in how a command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The `--config` option every command shares: --config, else $HERALD_CONFIG, else the default file. */
export const configOption = {
  option: { type: 'string' },
  help: 'configuration file (default: $HERALD_CONFIG, else ./herald.config.yaml when present)',
} as const;

/** The configuration file a command was pointed at, or undefined for the default one. */
export function configFileOf(values: Record<string, unknown>): string | undefined {
  return (values.config as string | undefined) ?? (process.env.HERALD_CONFIG || undefined);
}

/** `--tz ZONE`: an option as the help text writes it. */
function optionWithValue(command: CommandSpec, name: string): string {
  const option = command.options[name];
  return option?.type === 'string' ? `--${name} ${command.optionValues?.[name] ?? 'VALUE'}` : `--${name}`;
}

/** The text of `herald <command> --help`. */
export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary, '', 'Options:'];
  const entries = Object.entries(command.options).map(([name, option]) => {
    const flag = `${optionWithValue(command, name)}${option.short ? `, -${option.short}` : ''}`;
    return [flag, command.optionHelp[name] ?? ''] as const;
  });
  entries.push(['--help, -h', 'show this help']);
  const width = Math.max(...entries.map(([flag]) => flag.length));
  for (const [flag, help] of entries) lines.push(`  ${flag.padEnd(width)}  ${help}`);
  if (command.details) lines.push('', command.details);
  return lines.join('\n');
}

/** For commands that take options only: a stray word is a mistake, not something to ignore. */
export function rejectPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
}

/**
 * What was wrong with an option, said as the rest of `herald` says it: Node's own words point an
 * unknown option at `-- "--colour"`, and a value that starts with "-" at an "ambiguous" argument.
 */
function optionProblem(command: CommandSpec, error: Error & { code?: string }): UsageError {
  // Node writes an option that has a short form as '-h, --help': it is named by its long one.
  const written = /^(?:Unknown option|Option) '(?:-[^-' ], )?(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  const name = written?.replace(/^-+/, '');
  if (written === undefined || name === undefined) return new UsageError(error.message);
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const known = Object.keys(command.options);
    const meant = closestKey(name, known);
    const takes = known.length > 0 ? `; ${command.name} takes ${known.map((option) => `--${option}`).join(', ')}` : '';
    return new UsageError(`unknown option "${written}"${meant ? ` (did you mean --${meant}?)` : takes}`);
  }
  if (/does not take an argument/.test(error.message)) return new UsageError(`${written} takes no value`);
  const usage = optionWithValue(command, name);
  if (/ambiguous/.test(error.message)) return new UsageError(`${written} needs a value, e.g. ${usage} (to give one that starts with "-", write ${written}=-…)`);
  return new UsageError(`${written} needs a value, e.g. ${usage}`);
}

/** Parses a command's arguments strictly; an unknown or incomplete option is a UsageError. */
export function parseCommandArgs(command: CommandSpec, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw optionProblem(command, error as Error & { code?: string });
  }
}
