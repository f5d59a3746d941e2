import type { Json } from './model.js';

/** Discord's nested error tree: `{ embeds: { 0: { title: { _errors: [...] } } } }`. */
export type FormErrors = { _errors?: { code: string; message: string }[] } & { [key: string]: FormErrors | { code: string; message: string }[] | undefined };

export const limits = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  threadName: 100,
  nonce: 25,
} as const;

/** Discord counts characters as code points (its backend is Python), not UTF-16 units. */
export function characterCount(text: string): number {
  return [...text].length;
}

function addError(tree: FormErrors, path: (string | number)[], code: string, message: string): void {
  let node: FormErrors = tree;
  for (const key of path) {
    const next = (node[String(key)] ??= {}) as FormErrors;
    node = next;
  }
  (node._errors ??= []).push({ code, message });
}

function checkLength(tree: FormErrors, path: (string | number)[], value: unknown, max: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'string') {
    addError(tree, path, 'BASE_TYPE_STRING', 'Must be a string.');
    return 0;
  }
  const length = characterCount(value);
  if (length > max) addError(tree, path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  return length;
}

function checkEmbed(tree: FormErrors, embed: unknown, index: number): number {
  const at = (...path: (string | number)[]) => ['embeds', index, ...path];
  if (typeof embed !== 'object' || embed === null) {
    addError(tree, at(), 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return 0;
  }
  const e = embed as Json;
  let size = checkLength(tree, at('title'), e.title, limits.title) + checkLength(tree, at('description'), e.description, limits.description);
  size += checkLength(tree, at('footer', 'text'), (e.footer as Json | undefined)?.text, limits.footer);
  size += checkLength(tree, at('author', 'name'), (e.author as Json | undefined)?.name, limits.author);
  const fields = e.fields ?? [];
  if (!Array.isArray(fields)) {
    addError(tree, at('fields'), 'BASE_TYPE_LIST', 'Must be a list.');
    return size;
  }
  if (fields.length > limits.fields) addError(tree, at('fields'), 'BASE_TYPE_MAX_LENGTH', `Must be ${limits.fields} or fewer in length.`);
  fields.forEach((field: Json, i) => {
    if (field.name === undefined || field.value === undefined) addError(tree, at('fields', i), 'BASE_TYPE_REQUIRED', 'This field is required');
    size += checkLength(tree, at('fields', i, 'name'), field.name, limits.fieldName);
    size += checkLength(tree, at('fields', i, 'value'), field.value, limits.fieldValue);
  });
  return size;
}

/** Discord's limits on message components: 5 rows; a row holds 5 buttons or one select menu of 25 options. */
const componentLimits = { rows: 5, buttonsPerRow: 5, customId: 100, label: 80, options: 25, optionLabel: 100, placeholder: 150 };

const ACTION_ROW = 1;
const BUTTON = 2;
const STRING_SELECT = 3;

function checkComponents(tree: FormErrors, components: unknown): void {
  if (components === undefined) return;
  if (!Array.isArray(components)) return addError(tree, ['components'], 'BASE_TYPE_LIST', 'Must be a list.');
  if (components.length > componentLimits.rows) addError(tree, ['components'], 'BASE_TYPE_MAX_LENGTH', `Must be ${componentLimits.rows} or fewer in length.`);
  components.forEach((row: Json, r) => {
    const inner = Array.isArray(row.components) ? (row.components as Json[]) : [];
    if (row.type !== ACTION_ROW || inner.length === 0) return addError(tree, ['components', r], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'An action row needs 1 to 5 components.');
    const selects = inner.filter((c) => c.type === STRING_SELECT).length;
    if (inner.length > componentLimits.buttonsPerRow || (selects > 0 && inner.length > 1)) addError(tree, ['components', r], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
    inner.forEach((component, c) => {
      const at = ['components', r, 'components', c];
      checkLength(tree, [...at, 'custom_id'], component.custom_id, componentLimits.customId);
      if (component.type === BUTTON) checkLength(tree, [...at, 'label'], component.label, componentLimits.label);
      if (component.type === STRING_SELECT) {
        const options = Array.isArray(component.options) ? (component.options as Json[]) : [];
        if (options.length < 1 || options.length > componentLimits.options) addError(tree, [...at, 'options'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${componentLimits.options} in length.`);
        options.forEach((option, o) => checkLength(tree, [...at, 'options', o, 'label'], option.label, componentLimits.optionLabel));
        checkLength(tree, [...at, 'placeholder'], component.placeholder, componentLimits.placeholder);
      }
    });
  });
}

/** Checks a message body against Discord's limits; returns the error tree, or undefined when it is valid. */
export function validateMessageBody(body: Json): FormErrors | undefined {
  const tree: FormErrors = {};
  checkLength(tree, ['content'], body.content, limits.content);
  const embeds = body.embeds ?? [];
  if (!Array.isArray(embeds)) {
    addError(tree, ['embeds'], 'BASE_TYPE_LIST', 'Must be a list.');
  } else {
    if (embeds.length > limits.embeds) addError(tree, ['embeds'], 'BASE_TYPE_MAX_LENGTH', `Must be ${limits.embeds} or fewer in length.`);
    const total = embeds.reduce((sum: number, embed, index) => sum + checkEmbed(tree, embed, index), 0);
    if (total > limits.embedTotal) addError(tree, ['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${limits.embedTotal}`);
  }
  if (body.nonce !== undefined && !(typeof body.nonce === 'string' || Number.isInteger(body.nonce))) addError(tree, ['nonce'], 'BASE_TYPE_STRING', 'Must be a string or an integer.');
  if (typeof body.nonce === 'string') checkLength(tree, ['nonce'], body.nonce, limits.nonce);
  checkComponents(tree, body.components);
  const mentions = body.allowed_mentions as Json | undefined;
  if (mentions?.parse !== undefined && !Array.isArray(mentions.parse)) addError(tree, ['allowed_mentions', 'parse'], 'BASE_TYPE_LIST', 'Must be a list.');
  return Object.keys(tree).length > 0 ? tree : undefined;
}

/** True when the body would post nothing visible (Discord answers 50006). */
export function isEmptyMessage(body: Json, fileCount: number): boolean {
  const hasContent = typeof body.content === 'string' && body.content.trim() !== '';
  const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
  return !hasContent && !hasEmbeds && fileCount === 0 && !Array.isArray(body.components) && !body.poll && !body.sticker_ids;
}

/** Who a message would actually ping, per Discord's rules: embeds never ping; without allowed_mentions everything parsed does. */
export interface Pings {
  everyone: boolean;
  users: string[];
  roles: string[];
}

export function pingsOf(body: Json): Pings {
  const content = typeof body.content === 'string' ? body.content : '';
  const allowed = body.allowed_mentions as { parse?: string[]; users?: string[]; roles?: string[] } | undefined;
  const parse = new Set(allowed ? (allowed.parse ?? []) : ['everyone', 'users', 'roles']);
  const mentioned = (pattern: RegExp) => [...content.matchAll(pattern)].map((m) => m[1] as string);
  const pick = (kind: 'users' | 'roles', ids: string[]) => ids.filter((id) => parse.has(kind) || (allowed?.[kind] ?? []).includes(id));
  return {
    everyone: parse.has('everyone') && /@(everyone|here)/.test(content),
    users: pick('users', mentioned(/<@!?(\d+)>/g)),
    roles: pick('roles', mentioned(/<@&(\d+)>/g)),
  };
}
