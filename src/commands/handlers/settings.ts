import type { BriefingSettings } from '../../subscriptions/model.js';
import { ArgumentProblem, parseSwitch } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, notSubscribed, saveSubscription } from '../subscription-access.js';

const EXAMPLE = COMMAND_USAGE.settings.example;

type SettingName = 'language' | 'bullets' | 'empty' | 'previews';

/** How each setting is read from the user's words into the subscription's settings. */
const SETTERS: Record<SettingName, (value: string | number | boolean, settings: BriefingSettings) => BriefingSettings> = {
  language(value, settings) {
    const tag = String(value);
    let canonical: string | undefined;
    try {
      canonical = Intl.getCanonicalLocales(tag)[0];
    } catch {
      canonical = undefined;
    }
    if (!canonical) throw new ArgumentProblem(`"${tag}" is not a language code: use one like en, de, ja or pt-BR.`, EXAMPLE);
    return { ...settings, locale: canonical };
  },
  bullets(value, settings) {
    const count = Number(value);
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new ArgumentProblem(`bullets must be a whole number from 1 to 100, not "${value}".`, EXAMPLE);
    return { ...settings, maxBullets: count };
  },
  empty(value, settings) {
    const word = String(value).toLowerCase();
    if (word !== 'message' && word !== 'nothing') throw new ArgumentProblem(`empty must be "message" (say that nothing happened) or "nothing" (stay silent), not "${value}".`, EXAMPLE);
    return { ...settings, whenEmpty: word };
  },
  previews(value, settings) {
    return { ...settings, linkPreviews: parseSwitch(value, 'previews', EXAMPLE) };
  },
};

function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTERS, name);
}

/** The settings named in the request: `key=value` options and `key value` word pairs. */
function requestedChanges(input: HandlerInput): [SettingName, string | number | boolean][] {
  const { args, options } = input.request;
  if (args.length % 2 === 1) throw new ArgumentProblem(`"${args.at(-1)}" has no value: write name=value.`, EXAMPLE);
  const pairs: [string, string | number | boolean][] = [];
  for (let index = 0; index < args.length; index += 2) pairs.push([args[index]!, args[index + 1]!]);
  for (const [name, value] of Object.entries(options)) if (value !== undefined) pairs.push([name, value]);
  return pairs.map(([name, value]) => {
    const key = name.toLowerCase();
    if (!isSettingName(key)) throw new ArgumentProblem(`There is no setting "${name}": the settings are ${Object.keys(SETTERS).join(', ')}.`, EXAMPLE);
    return [key, value];
  });
}

function describeSettings(settings: BriefingSettings, defaultPreviews: boolean): string {
  return [
    `• language: ${settings.locale}`,
    `• bullets: ${settings.maxBullets}`,
    `• empty: ${settings.whenEmpty === 'message' ? 'message (say when nothing is new)' : 'nothing (stay silent)'}`,
    `• previews: ${(settings.linkPreviews ?? defaultPreviews) ? 'on' : 'off'}`,
  ].join('\n');
}

/** Shows or changes the language, bullet limit, empty-window behaviour and link previews. */
export const settings: CommandHandler = async (input) => {
  const existing = await currentSubscription(input);
  if (!existing) return notSubscribed(input);
  const changes = requestedChanges(input);
  const defaultPreviews = input.services.config.briefing.linkPreviews;
  if (changes.length === 0) {
    return done(`Settings of ${input.context.targetLabel}:\n${describeSettings(existing.settings, defaultPreviews)}\nChange one with /${EXAMPLE}`);
  }
  const updated = changes.reduce((current, [name, value]) => SETTERS[name](value, current), existing.settings);
  await saveSubscription(input, { ...existing, settings: updated });
  return done(`Settings of ${input.context.targetLabel} changed:\n${describeSettings(updated, defaultPreviews)}`);
};
