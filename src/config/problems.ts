import type { z } from 'zod';

/** `feeds[0].url` for ['feeds', 0, 'url']. */
export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

/** The schema inside defaults, optionals and refinements, down to what holds keys or elements. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType; out?: z.core.$ZodType };
  if (def.innerType) return unwrap(def.innerType);
  // A preprocessed schema (a shorthand) is a pipe from the transform into the real shape.
  if (def.type === 'pipe' && def.out) return unwrap(def.out);
  return schema;
}

/** The keys the schema allows in the object at `path`, or none when there is no object there. */
export function knownKeysAt(schema: z.core.$ZodType, path: PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const key of path) {
    const def = current._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType };
    const next = def.type === 'object' ? def.shape?.[String(key)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    if (!next) return [];
    current = unwrap(next);
  }
  const def = current._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Edits (insert, delete, substitute, swap two neighbours) between a and b. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The known key a mistyped one most likely meant: same letters in another case, or a typo or two away. */
export function closestKey(unknown: string, known: string[]): string | undefined {
  const folded = unknown.toLowerCase().replace(/[-_]/g, '');
  const sameWord = known.find((key) => key.toLowerCase() === folded);
  if (sameWord) return sameWord;
  const scored = known.map((key) => ({ key, distance: editDistance(folded, key.toLowerCase()) })).sort((a, b) => a.distance - b.distance);
  const best = scored[0];
  const allowed = Math.min(2, Math.floor(unknown.length / 3));
  return best && best.distance <= allowed ? best.key : undefined;
}

/**
 * One line for a validation problem: the key, then what is wrong (an unknown key with the key
 * it most likely meant). `schema` is the schema that was checked, to look the known keys up.
 */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.core.$ZodType): string {
  const key = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, issue.path);
    const named = issue.keys.map((unknown) => {
      const meant = closestKey(unknown, known);
      return meant ? `"${unknown}" (did you mean "${meant}"?)` : `"${unknown}"`;
    });
    return `${key ? `${key}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${named.join(', ')}`;
  }
  return `${key || '(top level)'}: ${issue.message}`;
}
