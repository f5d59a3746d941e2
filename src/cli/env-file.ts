/**
 * Reads `.env` from the current directory into the environment when there is one, as Docker
 * Compose does with the same file: `npm start` and `npx herald …` then see the tokens the README
 * puts there. Variables already set (even to "") win over the file. Returns whether it was read.
 */
export function loadDotEnv(file = '.env'): boolean {
  try {
    process.loadEnvFile(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}
