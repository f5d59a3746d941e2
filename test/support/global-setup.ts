import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { buildDistOnce } from './build-dist.js';

/** Fails the run early, with the fix, when redis-server is not installed (tests start their own). */
function checkRedisServer(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not on PATH: the tests start their own. Install it (apt-get install redis-server) or run .ci/run, which does.');
  }
}

/**
 * Before any test file: redis-server is there, and dist/ is compiled from the current sources
 * (once, whatever number of test runs start together), for the tests that spawn `herald`.
 */
export default async function setup(): Promise<void> {
  checkRedisServer();
  await buildDistOnce(resolve(import.meta.dirname, '..', '..'));
}
