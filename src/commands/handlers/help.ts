import { ArgumentProblem } from '../arguments.js';
import { COMMAND_DESCRIPTIONS, COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import type { CommandName } from '../types.js';

function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMAND_DESCRIPTIONS, word);
}

/** Every command with its description, or one command's usage and example. */
export const help: CommandHandler = async ({ request }) => {
  const asked = request.args[0]?.replace(/^\//, '').toLowerCase() ?? (request.options.command === undefined ? undefined : String(request.options.command));
  if (asked === undefined) {
    const lines = (Object.keys(COMMAND_DESCRIPTIONS) as CommandName[]).map((name) => `• /${name}: ${COMMAND_DESCRIPTIONS[name]}`);
    return done(['Herald sends a daily news briefing. Commands:', ...lines, 'Details on one: /help addfeed'].join('\n'), { private: true });
  }
  if (!isCommandName(asked)) throw new ArgumentProblem(`There is no command "${asked}".`, 'help');
  const { usage, example } = COMMAND_USAGE[asked];
  return done(`/${asked}: ${COMMAND_DESCRIPTIONS[asked]}\nUsage: /${usage}\nExample: /${example}`, { private: true });
};
