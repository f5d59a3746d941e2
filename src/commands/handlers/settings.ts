import { BRIEFING_LANGUAGES } from '../../briefing/labels.js';
import { nativeLanguageName } from '../../i18n/index.js';
import type { BriefingSettings, Subscription } from '../../subscriptions/model.js';
import { ArgumentProblem, parseSwitch } from '../arguments.js';
import { COMMAND_USAGE, commandExample } from '../catalog.js';
import { button } from '../controls.js';
import type { ControlSpec } from '../control-spec.js';
import type { CommandHandler, HandlerInput } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, notSubscribed, saveSubscription, speakingFor } from '../subscription-access.js';
import type { CommandReply } from '../types.js';

const EXAMPLE = COMMAND_USAGE.settings.example;

type SettingName = 'language' | 'bullets' | 'empty' | 'previews';

/** Bullet limits offered by the picker; any from 1 to 100 can be typed. */
const BULLET_CHOICES = [3, 5, 8, 10, 12, 15, 20, 30];

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
    if (!canonical) throw new ArgumentProblem((t) => t.notALanguage(tag), EXAMPLE);
    return { ...settings, locale: canonical };
  },
  bullets(value, settings) {
    const count = Number(value);
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new ArgumentProblem((t) => t.notABulletCount(String(value)), EXAMPLE);
    return { ...settings, maxBullets: count };
  },
  empty(value, settings) {
    const word = String(value).toLowerCase();
    if (word !== 'message' && word !== 'nothing') throw new ArgumentProblem((t) => t.notAnEmptyChoice(String(value)), EXAMPLE);
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
  if (args.length % 2 === 1) throw new ArgumentProblem((t) => t.settingHasNoValue(args.at(-1)!), EXAMPLE);
  const pairs: [string, string | number | boolean][] = [];
  for (let index = 0; index < args.length; index += 2) pairs.push([args[index]!, args[index + 1]!]);
  for (const [name, value] of Object.entries(options)) if (value !== undefined) pairs.push([name, value]);
  return pairs.map(([name, value]) => {
    const key = name.toLowerCase();
    if (!isSettingName(key)) throw new ArgumentProblem((t) => t.noSuchSetting(name, Object.keys(SETTERS).join(', ')), EXAMPLE);
    return [key, value];
  });
}

const previewsOn = (input: HandlerInput, settings: BriefingSettings) => settings.linkPreviews ?? input.services.config.briefing.linkPreviews;

function describeSettings(input: HandlerInput, settings: BriefingSettings): string {
  const { t } = input;
  return [t.settingLanguage(settings.locale), t.settingBullets(settings.maxBullets), t.settingEmpty(settings.whenEmpty), t.settingPreviews(previewsOn(input, settings))].join('\n');
}

/** The settings with a button for each: language and bullets open pickers, the two switches flip. */
function settingsScreen(input: HandlerInput, settings: BriefingSettings, headline: string): CommandReply {
  const { t } = input;
  const previews = previewsOn(input, settings);
  const hint = t.settingsButtonsHint(commandExample(EXAMPLE, input.context.platform));
  return done(`${headline}\n${describeSettings(input, settings)}\n${hint}`, {
    language: input.language,
    controls: [
      [button(t.languageButton(nativeLanguageName(settings.locale)), 'st.lang'), button(t.bulletsButton(settings.maxBullets), 'st.bul')],
      [button(t.emptyButton(settings.whenEmpty), `st.empty=${settings.whenEmpty === 'message' ? 'nothing' : 'message'}`), button(t.previewsButton(previews), `st.prev=${previews ? 'off' : 'on'}`)],
    ],
  });
}

/** Shows the settings with buttons to change them, or changes the language, bullet limit, empty-window behaviour and link previews as typed. */
export const settings: CommandHandler = async (input) => {
  const existing = await currentSubscription(input);
  if (!existing) return notSubscribed(input);
  const changes = requestedChanges(input);
  if (changes.length === 0) return settingsScreen(input, existing.settings, input.t.settingsOf(input.context.targetLabel));
  const updated = { ...existing, settings: changes.reduce((current, [name, value]) => SETTERS[name](value, current), existing.settings) };
  await saveSubscription(input, updated);
  const speaking = speakingFor(input, updated);
  return done(`${speaking.t.settingsChanged(input.context.targetLabel)}\n${describeSettings(speaking, updated.settings)}`, { language: speaking.language });
};

/** Applies one setting pressed on the screen; the screen comes back in the language now in force. */
async function changeSetting(input: HandlerInput, subscription: Subscription, name: SettingName, value: string | undefined): Promise<CommandReply> {
  const updated = { ...subscription, settings: SETTERS[name](value ?? '', subscription.settings) };
  await saveSubscription(input, updated);
  const speaking = speakingFor(input, updated);
  return settingsScreen(speaking, updated.settings, speaking.t.settingsChanged(input.context.targetLabel));
}

/**
 * The buttons of the settings screen (short names for Telegram's 64-byte callback data): st (the
 * screen), st.lang[=code], st.bul[=count], st.empty=message|nothing, st.prev=on|off.
 */
export const settingsControls: Record<string, ControlSpec> = {
  st: { who: 'managers', run: async (input, subscription) => settingsScreen(input, subscription.settings, input.t.settingsOf(input.context.targetLabel)) },
  'st.lang': {
    who: 'managers',
    run: async (input, subscription, value) => {
      if (value !== undefined) return changeSetting(input, subscription, 'language', value);
      const options = BRIEFING_LANGUAGES.map((code) => ({ label: nativeLanguageName(code), value: code, selected: subscription.settings.locale === code }));
      return done(input.t.pickLanguage, { controls: [[{ kind: 'choice', placeholder: input.t.pickLanguage, action: 'st.lang', options }], [button(input.t.backButton, 'st')]] });
    },
  },
  'st.bul': {
    who: 'managers',
    run: async (input, subscription, value) => {
      if (value !== undefined) return changeSetting(input, subscription, 'bullets', value);
      const options = BULLET_CHOICES.map((count) => ({ label: String(count), value: String(count), selected: subscription.settings.maxBullets === count }));
      return done(input.t.pickBullets, { controls: [[{ kind: 'choice', placeholder: input.t.pickBullets, action: 'st.bul', options }], [button(input.t.backButton, 'st')]] });
    },
  },
  'st.empty': { who: 'managers', run: (input, subscription, value) => changeSetting(input, subscription, 'empty', value) },
  'st.prev': { who: 'managers', run: (input, subscription, value) => changeSetting(input, subscription, 'previews', value) },
};
