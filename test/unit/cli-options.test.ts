import { describe, expect, it } from 'vitest';
import { parseCommandArgs, UsageError } from '../../src/cli/command.js';
import { doctorSpec, previewSpec, startSpec } from '../../src/cli/specs.js';
import type { CommandSpec } from '../../src/cli/command.js';

/** The message `herald` prints for these arguments, or undefined when they parse. */
function problemWith(spec: CommandSpec, args: string[]): string | undefined {
  try {
    parseCommandArgs(spec, args);
    return undefined;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

describe('herald options said wrong', () => {
  it('names an unknown option with the one most likely meant, else the options the command takes', () => {
    expect(problemWith(previewSpec, ['--bulets', '3'])).toBe('unknown option "--bulets" (did you mean --bullets?)');
    expect(problemWith(previewSpec, ['--TZ', 'UTC'])).toBe('unknown option "--TZ" (did you mean --tz?)');
    expect(problemWith(startSpec, ['--roles', 'worker'])).toBe('unknown option "--roles" (did you mean --role?)');
    expect(problemWith(previewSpec, ['--colour', 'red'])).toBe('unknown option "--colour"; preview takes --feed, --config, --format, --parts-json, --date, --tz, --window, --bullets');
    expect(problemWith(doctorSpec, ['-x'])).toBe('unknown option "-x"; doctor takes --config');
  });

  it('says which value an option is missing, also when the next word starts with "-"', () => {
    expect(problemWith(previewSpec, ['feed.xml', '--tz'])).toBe('--tz needs a value, e.g. --tz ZONE');
    expect(problemWith(previewSpec, ['--window', '-3'])).toBe('--window needs a value, e.g. --window HOURS (to give one that starts with "-", write --window=-…)');
    expect(problemWith(previewSpec, ['--parts-json=yes'])).toBe('--parts-json takes no value');
    // An option with a short form is written "-h, --help" in Node's message: it is named as --help.
    expect(problemWith(previewSpec, ['--help=yes'])).toBe('--help takes no value');
  });

  it('passes what is right', () => {
    expect(problemWith(previewSpec, ['feed.xml', '--tz', 'UTC', '--window=-3', '--parts-json'])).toBeUndefined();
  });
});
