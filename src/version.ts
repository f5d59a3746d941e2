import { createRequire } from 'node:module';

let version: string | undefined;

/** Herald's version from package.json, whether run from source (src/) or built (dist/src/). */
export function heraldVersion(): string {
  if (version !== undefined) return version;
  const require = createRequire(import.meta.url);
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const manifest = require(candidate) as { name?: string; version?: string };
      if (manifest.name === 'herald' && manifest.version) return (version = manifest.version);
    } catch {
      // Not at this depth; try the next.
    }
  }
  return (version = 'dev');
}
