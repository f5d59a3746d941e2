import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/**
 * What the tests' build compiles: the sources `npm run build` compiles (tsconfig.build.json), plus
 * the worker entry points under test/support that tests and benches start as child processes
 * (tsconfig.test-dist.json), and what shapes the output.
 */
const SOURCE_DIRS = ['src', 'jobs', 'test/support'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'tsconfig.test-dist.json', 'package.json'];
const PROJECT = 'tsconfig.test-dist.json';
const STAMP = join('dist', '.source-hash');
const LOCK = join('dist', '.build-lock');

async function filesUnder(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** One hash over every file the build reads: dist/ is up to date when it was built from this. */
export async function sourceHash(root: string): Promise<string> {
  const files = [...(await Promise.all(SOURCE_DIRS.map((dir) => filesUnder(root, dir)))).flat(), ...SOURCE_FILES].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(await readFile(join(root, file))).update('\0');
  return hash.digest('hex');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds a lock file (with the holder's pid) while `fn` runs: a second test run started beside
 * this one waits here instead of compiling into the same dist/ at the same time. A lock left by a
 * process that died is taken over.
 */
async function withBuildLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const path = join(root, LOCK);
  await mkdir(join(root, 'dist'), { recursive: true });
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path, 'utf8').catch(() => ''));
      // An empty file is a holder between creating and writing it: wait for it like any other.
      if (holder > 0 && !isRunning(holder)) await rm(path, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Compiles dist/ (as `npm run build` does, plus dist/test/support/ for the worker entry points)
 * unless it was already compiled from these very sources, so tests that spawn `node
 * dist/src/cli.js` or a worker process run the code under test, as users run it, without paying
 * tsx's compile-on-load in every child process. Returns whether it compiled.
 */
export async function buildDistOnce(root: string): Promise<boolean> {
  return withBuildLock(root, async () => {
    const hash = await sourceHash(root);
    const built = await readFile(join(root, STAMP), 'utf8').catch(() => '');
    if (built === hash) return false;
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', PROJECT], { cwd: root }).catch((error: unknown) => {
      const failed = error as { stdout?: string; message: string };
      throw new Error(`npm run build failed, so the CLI tests cannot run:\n${failed.stdout || failed.message}`);
    });
    await writeFile(join(root, STAMP), hash);
    return true;
  });
}
