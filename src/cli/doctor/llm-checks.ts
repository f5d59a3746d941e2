import type { HeraldConfig } from '../../config/schema.js';
import { listModels, LlmError } from '../../summarize/llm-client.js';
import { llmOptionsFromConfig } from '../../summarize/summarize.js';
import type { CheckResult } from './report.js';

/** Doctor checks answer in seconds or report a problem. */
const TIMEOUT_MS = 10_000;
const NAME = 'llm endpoint';

/**
 * The `llm:` endpoint: reachable, the key accepted, the model among those it serves
 * (`GET {baseUrl}/models`, which costs no tokens). Herald works without it, with extractive
 * summaries, but then it does not do what the configuration asks.
 */
export async function checkLlm(llm: HeraldConfig['llm'], progress: (step: string) => void): Promise<CheckResult> {
  const endpoint = llmOptionsFromConfig(llm);
  if (!endpoint) return { name: NAME, status: 'skipped', detail: 'no llm.baseUrl: summaries are extractive' };
  progress(`LLM: asking ${endpoint.baseUrl} for its models`);
  const where = `${endpoint.model} at ${endpoint.baseUrl}`;
  let models: string[];
  try {
    models = await listModels({ ...endpoint, timeoutMs: Math.min(endpoint.timeoutMs, TIMEOUT_MS) });
  } catch (error) {
    if (!(error instanceof LlmError)) throw error;
    if (error.status === 401 || error.status === 403) {
      return { name: NAME, status: 'problem', detail: `${where}: the key was refused (HTTP ${error.status})`, fix: 'set HERALD_LLM_API_KEY (or OPENAI_API_KEY for api.openai.com) to a valid key' };
    }
    if (error.status === 404) {
      return { name: NAME, status: 'warn', detail: `${where}: no model list at ${endpoint.baseUrl}/models`, fix: 'llm.baseUrl should be the OpenAI-compatible API root, usually ending in /v1' };
    }
    return { name: NAME, status: 'problem', detail: `${where}: ${error.message}`, fix: 'start the server (e.g. `ollama serve`) or correct llm.baseUrl; until then every summary is extractive' };
  }
  if (!models.includes(endpoint.model)) {
    const offered = models.length === 0 ? 'none' : models.slice(0, 5).join(', ');
    return { name: NAME, status: 'warn', detail: `${where}: the server does not list this model (it lists: ${offered})`, fix: `pull it (\`ollama pull ${endpoint.model}\`) or set llm.model to one it lists` };
  }
  return { name: NAME, status: 'ok', detail: where };
}
