import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local OpenAI-compatible chat endpoint (`POST /v1/chat/completions`, `GET /v1/models`) for
 * the LLM summary tests. It answers according to the current behaviour and records every chat
 * request; with `apiKey` set it answers 401 to a request without that bearer token, as OpenAI does.
 */

/** How the emulator answers the next requests. */
export type LlmBehaviour =
  /** A valid completion whose content is the JSON summary the prompt asks for, in the prompt's script. */
  | 'good'
  /** Accepts the request and never answers (until the emulator closes). */
  | 'hang'
  /** HTTP 500 with an OpenAI-style error body. */
  | 'error'
  /** HTTP 200 with a body that is not JSON. */
  | 'garbage-body'
  /** A valid completion whose content is prose, not the asked-for JSON. */
  | 'garbage-content';

export interface RecordedChatRequest {
  model: string;
  maxTokens?: number;
  authorization?: string;
  messages: { role: string; content: string }[];
}

export interface LlmEmulator {
  /** Base URL including the version, as configured in Herald: `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  /** Requests received, oldest first. */
  requests: RecordedChatRequest[];
  behave(behaviour: LlmBehaviour): void;
  /** Tokens each good answer reports as used (usage.total_tokens). */
  tokensPerAnswer: number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function completion(content: string, totalTokens: number) {
  return {
    id: 'chatcmpl-emulated',
    object: 'chat.completion',
    created: 1_764_000_000,
    model: 'emulated',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: totalTokens - 20, completion_tokens: 20, total_tokens: totalTokens },
  };
}

/** The summary a cooperative model would write: Japanese for a Japanese prompt, English otherwise. */
function goodAnswer(request: RecordedChatRequest): string {
  const articles = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const title = /Title: (.*)/.exec(articles)?.[1] ?? 'News';
  const japanese = /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(articles);
  const summary = japanese ? 'これはモデルが書いた要約です。' : 'This summary was written by the model.';
  return JSON.stringify({ headline: `${title} (model)`, summary });
}

/** Starts the emulator on 127.0.0.1 and a free port. */
export async function startLlmEmulator(options: { tokensPerAnswer?: number; models?: string[]; apiKey?: string } = {}): Promise<LlmEmulator> {
  let behaviour: LlmBehaviour = 'good';
  const requests: RecordedChatRequest[] = [];
  const sockets = new Set<Socket>();
  const emulator = { tokensPerAnswer: options.tokensPerAnswer ?? 120 };

  const models = options.models ?? ['emulated'];
  const server = createServer(async (request, response) => {
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(response, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (request.method === 'GET' && request.url === '/v1/models') return sendJson(response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'emulator' })) });
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') return sendJson(response, 404, { error: { message: 'not found' } });
    let parsed: { model?: unknown; max_tokens?: unknown; messages?: unknown };
    try {
      parsed = JSON.parse(await readBody(request));
    } catch {
      return sendJson(response, 400, { error: { message: 'body is not JSON' } });
    }
    if (typeof parsed.model !== 'string' || !Array.isArray(parsed.messages)) return sendJson(response, 400, { error: { message: 'model and messages are required' } });
    const recorded: RecordedChatRequest = {
      model: parsed.model,
      maxTokens: typeof parsed.max_tokens === 'number' ? parsed.max_tokens : undefined,
      authorization: request.headers.authorization,
      messages: parsed.messages as RecordedChatRequest['messages'],
    };
    requests.push(recorded);
    switch (behaviour) {
      case 'good':
        return sendJson(response, 200, completion(goodAnswer(recorded), emulator.tokensPerAnswer));
      case 'hang':
        return; // The socket stays open until the client gives up or the emulator closes.
      case 'error':
        return sendJson(response, 500, { error: { message: 'model crashed', type: 'server_error' } });
      case 'garbage-body':
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end('<html>502 Bad Gateway</html>');
      case 'garbage-content':
        return sendJson(response, 200, completion('Sure! Here is a summary of the articles: the news happened.', emulator.tokensPerAnswer));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(emulator, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    behave(next: LlmBehaviour) {
      behaviour = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
