import { closestKey } from '../../config/problems.js';
import { ArgumentProblem } from '../arguments.js';
import { COMMAND_USAGE, commandExample } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import type { CommandName } from '../types.js';

function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMAND_USAGE, word);
}

/** Every command with its description, or one command's usage and example. */
export const help: CommandHandler = async ({ request, t, context }) => {
  const asked = request.args[0]?.replace(/^\//, '').toLowerCase() ?? (request.options.command === undefined ? undefined : String(request.options.command));
  if (asked === undefined) {
    const lines = (Object.keys(COMMAND_USAGE) as CommandName[]).map((name) => t.helpLine(name, t.commands[name]));
    return done([t.helpIntro, ...lines, t.helpOutro].join('\n'), { private: true });
  }
  if (!isCommandName(asked)) {
    // A typo ("/subscrbe 07:30") is answered with the command meant and its example, not just "see /help".
    const meant = closestKey(asked, Object.keys(COMMAND_USAGE));
    const example = meant !== undefined && isCommandName(meant) ? COMMAND_USAGE[meant].example : 'help';
    throw new ArgumentProblem((m) => m.noSuchCommand(asked, meant), example);
  }
  return done(t.helpOne(asked, t.commands[asked], t.usage[asked], commandExample(COMMAND_USAGE[asked].example, context.platform)), { private: true });
};
