/** A configuration mistake, with one line per problem naming the key and what is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
    /** The file was named (by --config or HERALD_CONFIG) and is not there: nothing in it to correct. */
    readonly missingFile = false,
  ) {
    super(`${source} has ${problems.length === 1 ? 'a mistake' : `${problems.length} mistakes`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
