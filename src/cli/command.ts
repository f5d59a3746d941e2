import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A `herald` subcommand: its help text, its options, and what it does. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Extra help lines after the option list (examples, notes). */
  details?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Descriptions for the help text, keyed by option name. */
  optionHelp: Record<string, string>;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}

/** A mistake in how a command was called: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function commandHelp(command: CliCommand): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary, '', 'Options:'];
  const entries = Object.entries(command.options).map(([name, option]) => {
    const flag = `--${name}${option.type === 'string' ? ' VALUE' : ''}${option.short ? `, -${option.short}` : ''}`;
    return [flag, command.optionHelp[name] ?? ''] as const;
  });
  entries.push(['--help, -h', 'show this help']);
  const width = Math.max(...entries.map(([flag]) => flag.length));
  for (const [flag, help] of entries) lines.push(`  ${flag.padEnd(width)}  ${help}`);
  if (command.details) lines.push('', command.details);
  return lines.join('\n');
}

export function parseCommandArgs(command: CliCommand, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}
