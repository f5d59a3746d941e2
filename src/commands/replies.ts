import type { Messages } from '../i18n/index.js';
import type { ArgumentProblem } from './arguments.js';
import { commandExample } from './catalog.js';
import type { CommandPlatform, CommandReply } from './types.js';

/** A command that did what was asked. */
export function done(text: string, extra: Omit<CommandReply, 'text' | 'ok'> = {}): CommandReply {
  return { text, ok: true, ...extra };
}

/** A command that was refused or could not be carried out; the text says why and what to do. */
export function refused(text: string): CommandReply {
  return { text, ok: false };
}

/** The reply to a wrong argument: what was wrong, then a use that works, written for the platform. */
export function argumentReply(problem: ArgumentProblem, t: Messages, platform: CommandPlatform): CommandReply {
  return refused(`${problem.say(t)}\n${t.exampleLine(commandExample(problem.example, platform))}`);
}
