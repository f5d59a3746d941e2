import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDistOnce } from '../support/build-dist.js';

const root = resolve(import.meta.dirname, '..', '..');

/** A project shaped like Herald's (src/, jobs/, test/support/, the three tsconfigs), small enough to compile in seconds. */
async function tinyProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-build-'));
  await mkdir(join(dir, 'src'));
  await mkdir(join(dir, 'jobs'));
  await mkdir(join(dir, 'test', 'support'), { recursive: true });
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(root, 'node_modules', 'typescript'), join(dir, 'node_modules', 'typescript'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }');
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', outDir: 'dist', rootDir: '.', strict: true, types: [] } }));
  await writeFile(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src', 'jobs'] }));
  await writeFile(join(dir, 'tsconfig.test-dist.json'), JSON.stringify({ extends: './tsconfig.build.json', include: ['src', 'jobs', 'test/support/worker.ts'] }));
  await writeFile(join(dir, 'src', 'cli.ts'), 'export const answer: number = 42;\n');
  await writeFile(join(dir, 'test', 'support', 'worker.ts'), 'import { answer } from "../../src/cli.js";\nexport const doubled = answer * 2;\n');
  await writeFile(join(dir, 'jobs', 'job.ts'), 'export const job = "poll";\n');
  return dir;
}

describe('building dist/ for the tests', () => {
  it('compiles once when two test runs start together, and again only when a source changes', async () => {
    const dir = await tinyProject();
    const together = await Promise.all([buildDistOnce(dir), buildDistOnce(dir)]);
    expect(together.filter(Boolean)).toHaveLength(1);
    expect(await readFile(join(dir, 'dist', 'src', 'cli.js'), 'utf8')).toContain('42');
    expect(await readFile(join(dir, 'dist', 'test', 'support', 'worker.js'), 'utf8')).toContain('answer * 2');

    expect(await buildDistOnce(dir)).toBe(false);
    await writeFile(join(dir, 'src', 'cli.ts'), 'export const answer: number = 43;\n');
    expect(await buildDistOnce(dir)).toBe(true);
    expect(await readFile(join(dir, 'dist', 'src', 'cli.js'), 'utf8')).toContain('43');
    await writeFile(join(dir, 'test', 'support', 'worker.ts'), 'import { answer } from "../../src/cli.js";\nexport const tripled = answer * 3;\n');
    expect(await buildDistOnce(dir)).toBe(true);
    expect(await readFile(join(dir, 'dist', 'test', 'support', 'worker.js'), 'utf8')).toContain('answer * 3');
  }, 120_000);

  it('says that the build failed and why', async () => {
    const dir = await tinyProject();
    await writeFile(join(dir, 'src', 'cli.ts'), 'export const answer: number = "forty-two";\n');
    await expect(buildDistOnce(dir)).rejects.toThrow(/build failed[\s\S]*not assignable to type 'number'/);
  }, 120_000);
});
