import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

describe('bench emulator process', () => {
  it('fails a question asked of an emulator process that died, and closes it without waiting for an exit already past', async () => {
    const probe = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/support/emulator-process-probe.ts'], { cwd: root, timeout: 30_000 }).catch((error: { stdout?: string; code?: number }) => ({ stdout: `${error.stdout ?? ''}exit ${error.code}` }));
    expect(probe.stdout).toBe('rejected\nclosed\n');
  });
});
