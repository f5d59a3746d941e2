import { readFile } from 'node:fs/promises';
import { CORE_SCHEMA, load as loadYamlQuickly } from 'js-yaml';
import type { YAMLError } from 'yaml';
import { describeIssue, formatPath } from './problems.js';
import { configSchema, type HeraldConfig } from './schema.js';
import { ConfigError } from './config-error.js';

/** Environment variables that override the file (secrets belong here, not in YAML). */
export interface ConfigEnv {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: string;
  HERALD_PREFIX?: string;
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_API_ROOT?: string;
  TELEGRAM_WEBHOOK_SECRET?: string;
  DISCORD_BOT_TOKEN?: string;
  DISCORD_API_BASE?: string;
  DISCORD_GUILD_ID?: string;
  HERALD_HEALTH_PORT?: string;
  HERALD_HEALTH_HOST?: string;
  HERALD_DASHBOARD_USER?: string;
  HERALD_DASHBOARD_PASSWORD?: string;
  HERALD_LLM_API_KEY?: string;
  OPENAI_API_KEY?: string;
}

/** The source of a ConfigError about environment variables (each problem names its variable). */
export const ENVIRONMENT = 'the environment';

/** The variable behind each operator setting, to name it when its value is wrong. */
const OPERATOR_ENV: Record<string, keyof ConfigEnv> = {
  'health.port': 'HERALD_HEALTH_PORT',
  'health.host': 'HERALD_HEALTH_HOST',
  'dashboard.user': 'HERALD_DASHBOARD_USER',
  'dashboard.password': 'HERALD_DASHBOARD_PASSWORD',
};

/** The health server and dashboard settings from the environment, checked like the file's. */
function applyOperatorEnv(config: HeraldConfig, env: ConfigEnv): void {
  const health = { ...config.health };
  if (env.HERALD_HEALTH_PORT) health.port = Number(env.HERALD_HEALTH_PORT);
  if (env.HERALD_HEALTH_HOST) health.host = env.HERALD_HEALTH_HOST;
  const dashboard = env.HERALD_DASHBOARD_USER || env.HERALD_DASHBOARD_PASSWORD
    ? { ...config.dashboard, user: env.HERALD_DASHBOARD_USER ?? config.dashboard?.user, password: env.HERALD_DASHBOARD_PASSWORD ?? config.dashboard?.password }
    : config.dashboard;
  const checked = configSchema.pick({ health: true, dashboard: true }).safeParse({ health, dashboard });
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const variable = OPERATOR_ENV[formatPath(issue.path)];
      return variable ? `${variable}: ${issue.message}` : describeIssue(issue, configSchema);
    });
    throw new ConfigError(ENVIRONMENT, problems);
  }
  config.health = checked.data.health;
  config.dashboard = checked.data.dashboard;
}

/**
 * The LLM endpoint's key: HERALD_LLM_API_KEY, else `llm.apiKey` from the file, else
 * OPENAI_API_KEY, but that one only for OpenAI's own API: sent to another server (a local
 * model, another provider) it would hand an OpenAI key to whoever runs that server.
 */
function llmApiKey(llm: HeraldConfig['llm'], env: ConfigEnv): string | undefined {
  if (env.HERALD_LLM_API_KEY) return env.HERALD_LLM_API_KEY;
  if (llm.apiKey) return llm.apiKey;
  if (env.OPENAI_API_KEY && llm.baseUrl !== undefined && new URL(llm.baseUrl).hostname === 'api.openai.com') return env.OPENAI_API_KEY;
  return undefined;
}

/** Validates an already-parsed YAML/JSON value and applies environment overrides. */
export function parseConfig(raw: unknown, env: ConfigEnv = {}, source = 'configuration'): HeraldConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, result.error.issues.map((issue) => describeIssue(issue, configSchema)));
  const config = result.data;
  if (env.REDIS_URL) config.redis.url = env.REDIS_URL;
  if (env.REDIS_CLUSTER_NODES) config.redis.cluster = { nodes: env.REDIS_CLUSTER_NODES.split(',').map((node) => node.trim()).filter(Boolean) };
  if (env.HERALD_PREFIX) config.redis.prefix = env.HERALD_PREFIX;
  if (env.TELEGRAM_BOT_TOKEN) config.telegram.token = env.TELEGRAM_BOT_TOKEN;
  if (env.TELEGRAM_API_ROOT) config.telegram.apiRoot = env.TELEGRAM_API_ROOT;
  if (env.TELEGRAM_WEBHOOK_SECRET && config.telegram.webhook) config.telegram.webhook.secret = env.TELEGRAM_WEBHOOK_SECRET;
  if (env.DISCORD_BOT_TOKEN) config.discord.token = env.DISCORD_BOT_TOKEN;
  if (env.DISCORD_API_BASE) config.discord.apiBase = env.DISCORD_API_BASE;
  if (env.DISCORD_GUILD_ID) config.discord.guildId = env.DISCORD_GUILD_ID;
  const apiKey = llmApiKey(config.llm, env);
  if (apiKey !== undefined) config.llm.apiKey = apiKey;
  applyOperatorEnv(config, env);
  return config;
}

/**
 * A hint after a warning the user can act on; the yaml package's wording names no remedy. It says
 * what to do, not what the yaml package would do with the value (read it as text without its tag):
 * Herald refuses the config instead, so that would only mislead.
 */
const WARNING_HINTS: Partial<Record<string, string>> = {
  TAG_RESOLVE_FAILED: ' (a tag Herald cannot apply to this value: write the value without it)',
};

/**
 * A YAML syntax error, or a warning, as one problem: what is wrong, where, and the lines around
 * it with a caret under the spot (the yaml package's own excerpt ends the first line in a colon).
 * A warning means the value read is not the one written (an unknown tag is dropped), so it is a
 * mistake in the config as much as an error is.
 */
function yamlProblem(error: Error, text: string): string {
  const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const { linePos, code, name } = error as Partial<YAMLError>;
  const lead = name === 'YAMLWarning' ? 'is not read as written' : 'is not valid YAML';
  const hint = (code && WARNING_HINTS[code]) ?? '';
  const at = linePos?.[0];
  if (!at) return `${lead}: ${what}${hint}`;
  const lines = text.split(/\r?\n/);
  const width = String(at.line).length;
  const excerpt = [at.line - 1, at.line]
    .filter((number) => number >= 1 && number <= lines.length)
    .map((number) => `${String(number).padStart(width)} | ${lines[number - 1]!.replace(/\t/g, '→')}`);
  excerpt.push(`${' '.repeat(width)} | ${' '.repeat(Math.max(0, at.col - 1))}^`);
  return `${lead} at line ${at.line}, column ${at.col}: ${what}${hint}\n${excerpt.map((line) => `      ${line}`).join('\n')}`;
}

/**
 * What js-yaml reads apart from the yaml package: `0b101`, `-0x1F` and `+0o17` (numbers there,
 * text in YAML 1.2's core schema), `+.5` and `-.5` (text there, numbers in it), a `%YAML 1.1`
 * directive (yaml then reads `yes` as true), tags (`!!float 1`, a bare `!`) and null keys
 * (`Null:` is the key "null" there, "" in yaml). Found by comparing the two parsers on forty
 * forms of scalar and on random short ones; whatever may start one of these goes to yaml.
 */
const READ_APART = /^%|(?:^|[\s,[{])(?:[-+]?0b|[-+]0[ox]|[-+]\.|[!?]|(?:~|null)[ \t]*:(?!\S))/im;

/**
 * The YAML text as data. js-yaml reads a config of 10,000 feeds in a tenth of the time the yaml
 * package takes (about half a second of every start); a text it refuses, or might read apart
 * from YAML 1.2's core schema, is read by yaml, whose result stands; its first error, or else its
 * warnings, are thrown (an AggregateError of them).
 */
async function parseYamlText(text: string): Promise<unknown> {
  if (!READ_APART.test(text)) {
    try {
      return loadYamlQuickly(text, { schema: CORE_SCHEMA });
    } catch {
      // yaml reads it again: its error names the line and column the way yamlProblem shows them.
    }
  }
  // Loaded only then: 70 modules that a start with a config js-yaml reads has no use for.
  const { parseDocument } = await import('yaml');
  // parseDocument, not parse: parse prints each warning on stderr (process.emitWarning) and goes on.
  const document = parseDocument(text);
  if (document.errors.length > 0) throw document.errors[0];
  if (document.warnings.length > 0) throw new AggregateError(document.warnings, 'YAML warnings');
  return document.toJS();
}

export const DEFAULT_CONFIG_FILE = 'herald.config.yaml';

/**
 * What to do about a configuration file that was named (by --config or HERALD_CONFIG) but is not
 * there; the README's quick start makes one from the example.
 */
export function missingConfigAdvice(path: string): string {
  return `check the path, or make it from the example (cp herald.config.example.yaml ${path}), or name none (neither --config nor HERALD_CONFIG) to use ${DEFAULT_CONFIG_FILE}`;
}

/**
 * Loads `herald.config.yaml` (or the given file). A missing default file means "all defaults";
 * a missing file that was asked for by name is an error.
 */
export async function loadConfig(file: string | undefined, env: ConfigEnv = process.env): Promise<HeraldConfig> {
  const path = file ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (file === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({}, env, path);
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(path, [missing ? `does not exist: ${missingConfigAdvice(path)}` : `cannot be read: ${(error as Error).message}`], missing);
  }
  let raw: unknown;
  try {
    raw = await parseYamlText(text);
  } catch (error) {
    const mistakes = error instanceof AggregateError ? (error.errors as Error[]) : [error as Error];
    throw new ConfigError(path, mistakes.map((mistake) => yamlProblem(mistake, text)));
  }
  return parseConfig(raw, env, path);
}
