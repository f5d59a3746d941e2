import type { Logger } from '../log.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Stops Herald from within (a refused bot token): the same close as on a signal, then exit with `exitCode`. */
export type StopHerald = (exitCode: number) => void;

/**
 * SIGTERM/SIGINT: stop taking jobs, finish or return in-flight, close, exit 0 (1 when closing
 * failed); a second signal exits at once. `close` is expected to do the stopping and finishing
 * (see startWorkers' close). The returned function runs the same shutdown for a reason of
 * Herald's own.
 */
export function installShutdown(close: () => Promise<void>, logger: Logger): StopHerald {
  let closing = false;
  const shutDown = (exitCode: number) => {
    closing = true;
    close().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(exitCode);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down: finishing the jobs in flight (signal again to exit at once)');
    shutDown(0);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return (exitCode) => {
    if (!closing) shutDown(exitCode);
  };
}
