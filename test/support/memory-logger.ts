import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** The fields tests read from a JSON log line. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A JSON logger writing into memory; `lines` fills as entries are logged. */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as LogLine));
      done();
    },
  });
  return { logger: createLogger({ destination, format: 'json' }), lines };
}
