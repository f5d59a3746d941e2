import { ArgumentProblem, parseKeyword } from '../arguments.js';
import { COMMAND_USAGE, commandExample } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, notSubscribed, saveSubscription } from '../subscription-access.js';

const MAX_KEYWORDS = 50;

/** The subscription setting each keyword command edits. */
const FIELD = { mute: 'mutes', boost: 'boosts' } as const;

/** mute/boost: list, add or remove plain keywords (phrases, or a trailing * for word starts). */
function keywordCommand(kind: 'mute' | 'boost'): CommandHandler {
  const field = FIELD[kind];
  const example = COMMAND_USAGE[kind].example;
  return async (input) => {
    const { t } = input;
    const effect = t.keywordEffect(kind);
    const existing = await currentSubscription(input);
    if (!existing) return notSubscribed(input);
    const [action = 'list', ...rest] = input.request.args;
    const current = existing.settings[field];
    const verb = action.toLowerCase();
    if (verb === 'list') {
      return done(current.length === 0 ? t.noKeywords(kind, input.context.targetLabel, commandExample(example, input.context.platform)) : `${effect}:\n${current.map((k) => `• ${k}`).join('\n')}`);
    }
    if (verb !== 'add' && verb !== 'remove') throw new ArgumentProblem((m) => m.notListAddRemove(action), example);
    const keyword = parseKeyword(rest.join(' '), example);
    const known = current.find((k) => k.toLowerCase() === keyword.toLowerCase());
    let next: string[];
    if (verb === 'add') {
      if (known) return done(t.keywordAlreadyListed(known, kind));
      if (current.length >= MAX_KEYWORDS) throw new ArgumentProblem((m) => m.keywordListFull(kind, MAX_KEYWORDS), `${kind} remove ${current[0]}`);
      next = [...current, keyword];
    } else {
      if (!known) throw new ArgumentProblem((m) => m.keywordNotListed(keyword, kind, current), `${kind} list`);
      next = current.filter((k) => k !== known);
    }
    await saveSubscription(input, { ...existing, settings: { ...existing.settings, [field]: next } });
    return done(t.keywordChanged(verb === 'add', known ?? keyword, effect, next));
  };
}

export const mute = keywordCommand('mute');
export const boost = keywordCommand('boost');
