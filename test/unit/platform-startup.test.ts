import { afterEach, describe, expect, it } from 'vitest';
import { TokenRejectedError } from '../../src/platforms/token-rejected.js';
import { describeConnectionError, platformRetryDelayMs, PlatformStartup, type RunningBot } from '../../src/runtime/platform-startup.js';
import { memoryLogger } from '../support/memory-logger.js';

function refused(): Error {
  return Object.assign(new Error('Network request failed'), { error: new Error('request to http://127.0.0.1:9/getMe failed, reason: connect ECONNREFUSED 127.0.0.1:9') });
}

const bot = (ready = true): RunningBot & { stopped: boolean } => {
  const running = {
    stopped: false,
    readiness: {
      name: 'bot',
      check: async () => {
        if (!ready) throw new Error('not receiving updates');
      },
    },
    stop: async () => void (running.stopped = true),
  };
  return running;
};

const startups: PlatformStartup[] = [];
afterEach(async () => {
  for (const startup of startups.splice(0)) await startup.stop();
});

function startup(options: Partial<ConstructorParameters<typeof PlatformStartup>[0]> & Pick<ConstructorParameters<typeof PlatformStartup>[0], 'connect' | 'logger'>) {
  const created = new PlatformStartup({ platform: 'telegram', onTokenRejected: () => undefined, retryDelayMs: () => 5, ...options });
  startups.push(created);
  created.start();
  return created;
}

describe('PlatformStartup', () => {
  it('retries an unreachable platform, logging each try with its error, until the bot starts', async () => {
    const { logger, lines } = memoryLogger();
    let tries = 0;
    const running = bot();
    const started = startup({
      logger,
      connect: async () => {
        if (++tries < 4) throw refused();
        return running;
      },
    });
    await expect.poll(() => lines.some((line) => line.msg === 'Telegram is reachable again: bot started')).toBe(true);
    const failures = lines.filter((line) => line.level === 40);
    expect(failures.map((line) => line.attempt)).toEqual([1, 2, 3]);
    expect(failures.every((line) => line.error === 'connect ECONNREFUSED 127.0.0.1:9')).toBe(true);
    expect(failures[0]!.msg).toBe('Telegram bot not started (try 1: connect ECONNREFUSED 127.0.0.1:9); next try in 0 s; the rest of Herald keeps running');
    await expect(started.readiness().check()).resolves.toBeUndefined();
    await started.stop();
    expect(running.stopped).toBe(true);
  });

  it('names the problem on /readyz while the bot is not up, then asks the running bot', async () => {
    const { logger } = memoryLogger();
    let reachable = false;
    const started = startup({
      logger,
      retryDelayMs: () => 60_000,
      connect: async () => {
        if (!reachable) throw refused();
        return bot(false);
      },
    });
    const check = started.readiness();
    expect(check.name).toBe('telegram');
    await expect.poll(() => check.check().catch((error: Error) => error.message)).toBe('Telegram bot not started (try 1: connect ECONNREFUSED 127.0.0.1:9); next try in 60 s');
    reachable = true;
  });

  it('stops trying at a refused token and reports it once', async () => {
    const { logger, lines } = memoryLogger();
    const rejected: TokenRejectedError[] = [];
    let tries = 0;
    const started = startup({
      logger,
      onTokenRejected: (error) => rejected.push(error),
      connect: async () => {
        tries++;
        throw new TokenRejectedError('telegram', 'Telegram rejected TELEGRAM_BOT_TOKEN (401: Unauthorized): get a new one from @BotFather, /token');
      },
    });
    await expect.poll(() => rejected.length).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(tries).toBe(1);
    expect(lines.filter((line) => line.level === 50).map((line) => line.msg)).toEqual(['Telegram rejected TELEGRAM_BOT_TOKEN (401: Unauthorized): get a new one from @BotFather, /token']);
    await expect(started.readiness().check()).rejects.toThrow('Telegram rejected TELEGRAM_BOT_TOKEN');
  });

  it('abandons a try that gets no answer and tries again', async () => {
    const { logger, lines } = memoryLogger();
    const signals: AbortSignal[] = [];
    startup({
      logger,
      attemptTimeoutMs: 200,
      connect: (signal) => {
        signals.push(signal);
        return signals.length === 1 ? new Promise<RunningBot>(() => undefined) : Promise.resolve(bot());
      },
    });
    await expect.poll(() => lines.some((line) => line.msg === 'Telegram is reachable again: bot started')).toBe(true);
    expect(signals[0]!.aborted).toBe(true);
    expect(lines.find((line) => line.level === 40)?.error).toBe('no answer within 0.2 s');
  });

  it('stops a bot that came up after stop() was called', async () => {
    const { logger } = memoryLogger();
    const running = bot();
    let finish: (value: RunningBot) => void = () => undefined;
    const started = startup({ logger, connect: () => new Promise<RunningBot>((resolve) => (finish = resolve)) });
    await started.stop();
    finish(running);
    await expect.poll(() => running.stopped).toBe(true);
  });
});

describe('platformRetryDelayMs', () => {
  it('doubles from 1 s up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(platformRetryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});

describe('describeConnectionError', () => {
  it('names the innermost cause, without the wrapping of grammY and node-fetch', () => {
    expect(describeConnectionError(refused())).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(describeConnectionError(new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND discord.com') }))).toBe('getaddrinfo ENOTFOUND discord.com');
    expect(describeConnectionError('plain')).toBe('plain');
  });
});
