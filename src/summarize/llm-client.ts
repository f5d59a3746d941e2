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

/** Why a chat request gave no usable answer; the caller falls back, so the reason is for logs. */
export class LlmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmError';
  }
}

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
  usage: z.object({ total_tokens: z.number().int().nonnegative() }).partial().optional(),
});

/**
 * One non-streaming chat completion. Throws LlmError on a timeout, a non-2xx status, or a
 * body that is not a chat completion; never waits longer than `endpoint.timeoutMs`.
 */
export async function chatCompletion(endpoint: LlmEndpoint, messages: ChatMessage[], maxTokens: number): Promise<ChatAnswer> {
  const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const body = JSON.stringify({
    model: endpoint.model,
    messages,
    max_tokens: maxTokens,
    temperature: 0.2,
    stream: false,
    response_format: { type: 'json_object' },
  });
  let raw: unknown;
  try {
    // One signal for the whole exchange, so a server that stalls mid-body is cut off too.
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(endpoint.timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new LlmError(`chat endpoint answered HTTP ${response.status}`);
    }
    raw = await response.json();
  } catch (error) {
    if (error instanceof LlmError) throw error;
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new LlmError(`chat endpoint gave no answer within ${endpoint.timeoutMs} ms`);
    throw new LlmError(`chat request failed: ${(error as Error).message}`);
  }
  const parsed = completionSchema.safeParse(raw);
  if (!parsed.success) throw new LlmError('chat endpoint answered with something that is not a chat completion');
  return { content: parsed.data.choices[0]!.message.content, totalTokens: parsed.data.usage?.total_tokens };
}
