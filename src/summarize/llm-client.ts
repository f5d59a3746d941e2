import { z } from 'zod';

/** Where and how to reach an OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp server). */
export interface LlmEndpoint {
  /** Base URL up to and including the version, e.g. "http://127.0.0.1:11434/v1"; "/chat/completions" is appended. */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token when set; local servers usually need none. */
  apiKey?: string;
  /** Hard limit for one request, connection to last byte. */
  timeoutMs: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatAnswer {
  content: string;
  /** Tokens the server says it used, when it says so. */
  totalTokens?: number;
}

/** Why a request gave no usable answer; the caller falls back, so the reason is for logs. */
export class LlmError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the endpoint answered with an error. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
  usage: z.object({ total_tokens: z.number().int().nonnegative() }).partial().optional(),
});

/** The OpenAI API's paths under the base URL. */
const PATHS = { chat: '/chat/completions', models: '/models' } as const;

/**
 * One request to the endpoint, its JSON body returned. Throws LlmError on a timeout, a non-2xx
 * status or a body that is not JSON; one signal covers the whole exchange, so a server that
 * stalls mid-body is cut off too.
 */
async function requestJson(endpoint: LlmEndpoint, what: keyof typeof PATHS, init: { method: 'GET' } | { method: 'POST'; body: string }): Promise<unknown> {
  const url = `${endpoint.baseUrl.replace(/\/+$/, '')}${PATHS[what]}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  try {
    const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(endpoint.timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new LlmError(`${what} endpoint answered HTTP ${response.status}`, response.status);
    }
    return await response.json();
  } catch (error) {
    if (error instanceof LlmError) throw error;
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new LlmError(`${what} endpoint gave no answer within ${endpoint.timeoutMs} ms`);
    throw new LlmError(`${what} request failed: ${(error as Error).message}`);
  }
}

/**
 * One non-streaming chat completion. Throws LlmError on a timeout, a non-2xx status, or a
 * body that is not a chat completion; never waits longer than `endpoint.timeoutMs`.
 */
export async function chatCompletion(endpoint: LlmEndpoint, messages: ChatMessage[], maxTokens: number): Promise<ChatAnswer> {
  const body = JSON.stringify({
    model: endpoint.model,
    messages,
    max_tokens: maxTokens,
    temperature: 0.2,
    stream: false,
    response_format: { type: 'json_object' },
  });
  const raw = await requestJson(endpoint, 'chat', { method: 'POST', body });
  const parsed = completionSchema.safeParse(raw);
  if (!parsed.success) throw new LlmError('chat endpoint answered with something that is not a chat completion');
  return { content: parsed.data.choices[0]!.message.content, totalTokens: parsed.data.usage?.total_tokens };
}

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** The ids of the models the server offers (`GET {baseUrl}/models`), to check a configuration against. */
export async function listModels(endpoint: LlmEndpoint): Promise<string[]> {
  const parsed = modelListSchema.safeParse(await requestJson(endpoint, 'models', { method: 'GET' }));
  if (!parsed.success) throw new LlmError('models endpoint answered with something that is not a model list');
  return parsed.data.data.map((model) => model.id);
}
