/**
 * For test/integration/emulator-process.test.ts (run with tsx, as the benches are): starts the
 * benches' emulator process, kills it, and prints what a question asked of it then does and
 * whether close() returns.
 */
import { execFileSync } from 'node:child_process';
import { startEmulatorProcess } from '../../bench/emulator-process.js';

const emulator = await startEmulatorProcess({});
const [childPid] = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'telegram-emulator-process']).toString().trim().split('\n');
process.kill(Number(childPid), 'SIGKILL');
try {
  await emulator.stats();
  process.stdout.write('answered\n');
} catch {
  process.stdout.write('rejected\n');
}
await emulator.close();
process.stdout.write('closed\n');
