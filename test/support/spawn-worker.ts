import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

/** Processes started here; `killAll` ends those still running (test teardown). */
const started: ChildProcess[] = [];

/** test/support/`name`.ts as the tests' global setup compiled it (see build-dist.ts). */
export function builtSupportEntry(name: string): string {
  return resolve(import.meta.dirname, '..', '..', 'dist', 'test', 'support', `${name}.js`);
}

/** Resolves with `pattern`'s match once the child printed it; rejects if `what` exits first. */
export async function printed(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before it was ready`)));
  });
}

/**
 * Starts the built worker-process.js in a child process (plain node, as Herald runs) with the
 * given environment and resolves once it printed "ready".
 */
export async function spawnWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [builtSupportEntry('worker-process')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  child.stderr!.resume();
  await printed(child, /ready/, 'worker process');
  return child;
}

/** Exit code (or signal) of a child, once it has exited. */
export async function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  return child.exitCode ?? child.signalCode!;
}

export function killAll(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
