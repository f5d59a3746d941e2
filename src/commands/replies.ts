import type { ArgumentProblem } from './arguments.js';
import type { CommandReply } from './types.js';

/** A command that did what was asked. */
export function done(text: string, extra: Omit<CommandReply, 'text' | 'ok'> = {}): CommandReply {
  return { text, ok: true, ...extra };
}

/** A command that was refused or could not be carried out; the text says why and what to do. */
export function refused(text: string): CommandReply {
  return { text, ok: false };
}

/** The reply to a wrong argument: what was wrong, then a use that works. */
export function argumentReply(problem: ArgumentProblem): CommandReply {
  return refused(`${problem.message}\nExample: /${problem.example}`);
}
