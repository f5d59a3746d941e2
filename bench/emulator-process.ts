/**
 * The Telegram Bot API emulator in a process of its own, for the fan-out bench: like the real
 * Telegram, a server whose reading and answering share no event loop with the workers under
 * test, so a busy machine slows each side as it would slow them apart, and the emulator's own
 * work (parsing each message's HTML, recording it) is not counted as the workers' time in flight.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { startTelegramEmulator, type EmulatorStats, type TelegramEmulatorOptions } from '../test/emulators/telegram-bot-api.js';

/** The argument a forked copy of this module starts the emulator on. */
const CHILD_FLAG = '--telegram-emulator-process';

type Request = { op: 'addPrivateChats'; chatIds: number[] } | { op: 'messageCounts'; chatIds: number[] } | { op: 'stats' };

/** What a bench asks of the emulator in the other process. */
export interface EmulatorProcess {
  readonly apiRoot: string;
  addPrivateChats(chatIds: number[]): Promise<void>;
  /** How many messages each chat got. */
  messageCounts(chatIds: number[]): Promise<number[]>;
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

/**
 * Starts the emulator in a child process (with this process's loader, e.g. tsx) and talks to it
 * over IPC. A child that dies fails its start and every question still open rather than leaving
 * the bench waiting for an answer that never comes (and close() then has nothing left to end).
 */
export async function startEmulatorProcess(options: TelegramEmulatorOptions): Promise<EmulatorProcess> {
  const child = fork(import.meta.filename, [CHILD_FLAG, JSON.stringify(options)], { execArgv: process.execArgv });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`Telegram emulator process exited (${code ?? signal})`)));
  });
  // Handled here too, so an exit nobody is waiting on (after close) is no unhandled rejection.
  exited.catch(() => undefined);
  const [{ apiRoot }] = (await Promise.race([once(child, 'message'), exited])) as [{ apiRoot: string }];
  let lastId = 0;
  // One answer per request, matched by id: a bench asks one thing at a time, but need not.
  const ask = <T>(request: Request) => {
    const id = ++lastId;
    let onMessage: (message: { id: number; answer: T }) => void = () => undefined;
    const answered = new Promise<T>((resolve, reject) => {
      onMessage = (message) => {
        if (message.id === id) resolve(message.answer);
      };
      child.on('message', onMessage);
      child.send({ id, ...request }, (error) => error && reject(error));
    });
    return Promise.race([answered, exited]).finally(() => child.off('message', onMessage));
  };
  return {
    apiRoot,
    addPrivateChats: (chatIds) => ask({ op: 'addPrivateChats', chatIds }),
    messageCounts: (chatIds) => ask({ op: 'messageCounts', chatIds }),
    stats: () => ask({ op: 'stats' }),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      await exited.catch(() => undefined);
    },
  };
}

/** In the child: serves the emulator until the parent disconnects. */
async function serveEmulator(options: TelegramEmulatorOptions, send: (message: object) => void): Promise<void> {
  const emulator = await startTelegramEmulator(options);
  const answer = (request: Request): unknown => {
    if (request.op === 'stats') return emulator.stats;
    if (request.op === 'messageCounts') return request.chatIds.map((chatId) => emulator.messages(chatId).length);
    for (const id of request.chatIds) emulator.addChat({ id, type: 'private' });
    return null;
  };
  process.on('message', (request: Request & { id: number }) => send({ id: request.id, answer: answer(request) }));
  process.once('disconnect', () => void emulator.close().then(() => process.exit(0)));
  send({ apiRoot: emulator.apiRoot });
}

const flagAt = process.argv.indexOf(CHILD_FLAG);
if (flagAt >= 0 && process.send) {
  const send = process.send.bind(process);
  await serveEmulator(JSON.parse(process.argv[flagAt + 1]!) as TelegramEmulatorOptions, (message) => void send(message));
}
