import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger, type LogFormat } from '../../src/log.js';

/** A destination that claims (or not) to be a terminal, like process.stdout does. */
function memoryStream(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join('') };
}

function written(format: LogFormat): string {
  const { stream, text } = memoryStream(false);
  const logger = createLogger({ destination: stream, format });
  logger.info({ feed: 'City Desk', token: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' }, 'feed polled: City Desk, 2 new items');
  return text();
}

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

describe('log format', () => {
  it('is readable at a terminal and JSON otherwise, unless LOG_FORMAT says which', () => {
    expect(chooseLogFormat(undefined, memoryStream(true).stream)).toBe('pretty');
    expect(chooseLogFormat(undefined, memoryStream(false).stream)).toBe('json');
    expect(chooseLogFormat('json', memoryStream(true).stream)).toBe('json');
    expect(chooseLogFormat(' Pretty ', memoryStream(false).stream)).toBe('pretty');
    expect(chooseLogFormat('', memoryStream(true).stream)).toBe('pretty');
  });

  it('refuses an unknown LOG_FORMAT, naming the choices', () => {
    expect(() => chooseLogFormat('yaml', memoryStream(false).stream)).toThrow('LOG_FORMAT must be pretty or json; got "yaml"');
  });

  it('writes JSON lines with ISO times', () => {
    const line = JSON.parse(written('json').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'feed polled: City Desk, 2 new items', feed: 'City Desk', token: '[REDACTED]' });
    expect(line.time).toMatch(new RegExp(`^${ISO_TIME.source}$`));
  });

  it('writes one readable line per entry: ISO time, level, message, then the fields, secrets still redacted', () => {
    const text = written('pretty');
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(new RegExp(`^\\[${ISO_TIME.source}\\] INFO: feed polled: City Desk, 2 new items \\{.*"feed":"City Desk"`));
    expect(text).toContain('"token":"[REDACTED]"');
    expect(text).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    // Colours only for a terminal: this destination is not one.
    expect(text).not.toContain('\u001b[');
  });
});
