import { execFileSync } from 'node:child_process';

/** Fails the run early, with the fix, when redis-server is not installed (tests start their own). */
export default function checkRedisServer(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not on PATH: the tests start their own. Install it (apt-get install redis-server) or run .ci/run, which does.');
  }
}
