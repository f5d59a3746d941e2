import { ArgumentProblem, parseKeyword } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, notSubscribed, saveSubscription } from '../subscription-access.js';

const MAX_KEYWORDS = 50;

/** What a keyword list does, for replies. */
const PURPOSE = {
  mute: { field: 'mutes', effect: 'Stories mentioning these are left out' },
  boost: { field: 'boosts', effect: 'Stories mentioning these rank higher' },
} as const;

/** mute/boost: list, add or remove plain keywords (phrases, or a trailing * for word starts). */
function keywordCommand(kind: 'mute' | 'boost'): CommandHandler {
  const { field, effect } = PURPOSE[kind];
  const example = COMMAND_USAGE[kind].example;
  return async (input) => {
    const existing = await currentSubscription(input);
    if (!existing) return notSubscribed(input);
    const [action = 'list', ...rest] = input.request.args;
    const current = existing.settings[field];
    const verb = action.toLowerCase();
    if (verb === 'list') {
      return done(current.length === 0 ? `No ${kind} keywords in ${input.context.targetLabel} yet. Add one: /${example}` : `${effect}:\n${current.map((k) => `• ${k}`).join('\n')}`);
    }
    if (verb !== 'add' && verb !== 'remove') throw new ArgumentProblem(`"${action}" is not list, add or remove.`, example);
    const keyword = parseKeyword(rest.join(' '), example);
    const known = current.find((k) => k.toLowerCase() === keyword.toLowerCase());
    let next: string[];
    if (verb === 'add') {
      if (known) return done(`"${known}" is already on the ${kind} list.`);
      if (current.length >= MAX_KEYWORDS) throw new ArgumentProblem(`The ${kind} list is full (${MAX_KEYWORDS} keywords); remove one first.`, `${kind} remove ${current[0]}`);
      next = [...current, keyword];
    } else {
      if (!known) throw new ArgumentProblem(`"${keyword}" is not on the ${kind} list${current.length ? `: ${current.join(', ')}` : ''}.`, `${kind} list`);
      next = current.filter((k) => k !== known);
    }
    await saveSubscription(input, { ...existing, settings: { ...existing.settings, [field]: next } });
    return done(`${verb === 'add' ? 'Added' : 'Removed'} "${known ?? keyword}". ${effect}: ${next.length ? next.join(', ') : '(none)'}.`);
  };
}

export const mute = keywordCommand('mute');
export const boost = keywordCommand('boost');
