/**
 * Brings a bot (Telegram or Discord) up without holding the rest of Herald hostage: a platform
 * that cannot be reached is tried again with backoff, each failed try logged with its error and
 * shown on /readyz, while polling, briefings and the other platform go on. A token the platform
 * refuses is different: no retry can help, so the owner is told at once (and Herald stops).
 */
import type { Logger } from '../log.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { TokenRejectedError, type BotPlatform } from '../platforms/token-rejected.js';

/** A bot that came up: how to stop it, and whether it is still receiving commands. */
export interface RunningBot {
  stop(): Promise<void>;
  readiness: ReadinessCheck;
}

export interface PlatformStartupOptions {
  platform: BotPlatform;
  /**
   * One try at starting the bot. Rejects with TokenRejectedError when the token is refused, with
   * anything else when the platform could not be reached; releases what it opened either way,
   * and gives up when `signal` aborts.
   */
  connect(signal: AbortSignal): Promise<RunningBot>;
  logger: Logger;
  /** Called once when the platform refuses the token, after it was logged. */
  onTokenRejected(error: TokenRejectedError): void;
  /** A try that has not finished after this long counts as failed (default 20 s). */
  attemptTimeoutMs?: number;
  /** Pause after the n-th failed try (default: 1 s doubling to 30 s). */
  retryDelayMs?: (failures: number) => number;
}

const PLATFORM_LABEL: Record<BotPlatform, string> = { telegram: 'Telegram', discord: 'Discord' };
const DEFAULT_ATTEMPT_TIMEOUT_MS = 20_000;
const MAX_RETRY_DELAY_MS = 30_000;

/** 1 s, 2 s, 4 s … 30 s: quick when the network only blinked, calm during a long outage. */
export function platformRetryDelayMs(failures: number): number {
  return Math.min(1_000 * 2 ** Math.max(failures - 1, 0), MAX_RETRY_DELAY_MS);
}

/**
 * The innermost message of an error chain, which names the actual problem: "connect ECONNREFUSED
 * 127.0.0.1:9" rather than "Network request for 'getMe' failed!" (grammY keeps the cause in
 * `error`, fetch in `cause`; node-fetch wraps it as "request to URL failed, reason: …").
 */
export function describeConnectionError(error: unknown): string {
  let innermost = error;
  for (let depth = 0; depth < 5; depth++) {
    const next = innermost instanceof Error ? ((innermost as Error & { error?: unknown }).error ?? innermost.cause) : undefined;
    if (!(next instanceof Error)) break;
    innermost = next;
  }
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return message.replace(/^request to \S+ failed, reason: /, '');
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Keeps trying to start one platform's bot until it runs or `stop()` is called. */
export class PlatformStartup {
  private running: RunningBot | undefined;
  private problem = 'connecting';
  private failures = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt: AbortController | undefined;
  private readonly label: string;

  constructor(private readonly options: PlatformStartupOptions) {
    this.label = PLATFORM_LABEL[options.platform];
  }

  /** Makes the first try now; the next ones follow by themselves. */
  start(): void {
    void this.tryOnce();
  }

  /** For /readyz: fails naming why while the bot is not up yet, then asks the running bot. */
  readiness(): ReadinessCheck {
    return {
      name: this.options.platform,
      check: async () => {
        if (!this.running) throw new Error(this.problem);
        await this.running.readiness.check();
      },
    };
  }

  /** Stops trying (a try in flight is abandoned) and stops the bot if it is up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.attempt?.abort(new Error('Herald is stopping'));
    await this.running?.stop();
  }

  private async tryOnce(): Promise<void> {
    const timeoutMs = this.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    const attempt = new AbortController();
    this.attempt = attempt;
    const timer = setTimeout(() => attempt.abort(new Error(`no answer within ${seconds(timeoutMs)}`)), timeoutMs);
    const connecting = this.options.connect(attempt.signal);
    // A try is given up at the timeout even if its platform client does not heed the signal.
    const abandoned = new Promise<never>((_, reject) => attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason as Error), { once: true }));
    try {
      const running = await Promise.race([connecting, abandoned]);
      if (this.stopped) {
        await running.stop();
        return;
      }
      this.running = running;
      if (this.failures > 0) this.options.logger.info({ platform: this.options.platform, attempts: this.failures + 1 }, `${this.label} is reachable again: bot started`);
    } catch (error) {
      // A bot that still comes up after its try was given up must not run beside the next one.
      connecting.then((late) => late.stop(), () => undefined).catch(() => undefined);
      if (this.stopped) return;
      if (error instanceof TokenRejectedError) return this.tokenRejected(error);
      this.scheduleRetry(describeConnectionError(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private tokenRejected(error: TokenRejectedError): void {
    this.problem = error.message;
    this.options.logger.error({ platform: this.options.platform }, error.message);
    this.options.onTokenRejected(error);
  }

  private scheduleRetry(reason: string): void {
    this.failures++;
    const delayMs = (this.options.retryDelayMs ?? platformRetryDelayMs)(this.failures);
    this.problem = `${this.label} bot not started (try ${this.failures}: ${reason}); next try in ${seconds(delayMs)}`;
    this.options.logger.warn({ platform: this.options.platform, attempt: this.failures, error: reason, retryInMs: delayMs }, `${this.problem}; the rest of Herald keeps running`);
    this.retryTimer = setTimeout(() => void this.tryOnce(), delayMs);
  }
}
