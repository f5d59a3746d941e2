/**
 * `herald start` from the built CLI (dist/, as `npm start` runs it), in its own process, with its
 * output collected and its /readyz at hand.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export interface HeraldProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once the output contains `text`; fails (with the output) after `timeoutMs` or when the process ended first. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with /readyz's status and body once `accept` holds for them. */
  waitForReadiness(accept: (status: number, body: ReadinessBody) => boolean, timeoutMs?: number): Promise<{ status: number; body: ReadinessBody }>;
  /** SIGKILL, if still running. */
  kill(): void;
}

export interface ReadinessBody {
  status: string;
  checks: Record<string, string>;
}

const POLL_MS = 100;

/** Starts `herald start --config FILE` with `env` added to this process's environment (HERALD_HEALTH_PORT for readiness). */
export function startHeraldProcess(configFile: string, env: Record<string, string>): HeraldProcess {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli.js'), 'start', '--config', configFile], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
  });
  let output = '';
  let exitCode: number | null | undefined;
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolveExit(code);
    }),
  );

  async function until<T>(description: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (exitCode !== undefined) throw new Error(`herald exited (${exitCode}) before ${description}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}:\n${output}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  return {
    child,
    output: () => output,
    exited,
    async waitForOutput(text, timeoutMs = 60_000) {
      const seen = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      await until(`output ${String(text)}`, async () => (seen() ? true : undefined), timeoutMs);
    },
    waitForReadiness(accept, timeoutMs = 60_000) {
      const port = env.HERALD_HEALTH_PORT;
      if (!port) throw new Error('set HERALD_HEALTH_PORT to ask /readyz');
      return until(
        '/readyz to answer as expected',
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
          if (!response) return undefined;
          const body = (await response.json()) as ReadinessBody;
          return accept(response.status, body) ? { status: response.status, body } : undefined;
        },
        timeoutMs,
      );
    },
    kill() {
      if (exitCode === undefined) child.kill('SIGKILL');
    },
  };
}

/** A one-item feed for the start-up tests: a named feed with one story. */
export const CITY_DESK_FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>City Desk</title>
  <item><title>Tram line 4 extended to the harbour</title><link>https://city.example/tram</link>
    <description>The council approved the extension of tram line 4.</description></item>
</channel></rss>`;
