import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { FetchError } from './fetch-error.js';

function megabytes(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toPrecision(3))} MB`;
}

function tooLarge(target: string, maxBytes: number): FetchError {
  return new FetchError(
    'too-large',
    `${target} sent more than ${megabytes(maxBytes)}, so Herald stopped reading it. A feed that size is unusual: check the URL, or ask an operator to raise fetch.maxBytes.`,
  );
}

/** RFC 1950: compression method 8 in the low nibble, and the two header bytes a multiple of 31. */
function startsWithZlibHeader(chunk: Buffer): boolean {
  const [first = 0, second = 0] = chunk;
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}

/**
 * "deflate" means zlib-wrapped data (RFC 9110), but some servers send raw deflate and browsers
 * accept both; the first bytes tell which one arrived.
 */
class DeflateDecoder extends Transform {
  private inflater?: Transform;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.inflater) {
      this.inflater = startsWithZlibHeader(chunk) ? createInflate() : createInflateRaw();
      this.inflater.on('data', (data: Buffer) => this.push(data));
      this.inflater.once('error', (error) => this.destroy(error));
    }
    if (this.inflater.write(chunk)) callback();
    else this.inflater.once('drain', () => callback());
  }

  override _flush(callback: TransformCallback): void {
    if (!this.inflater) return callback();
    this.inflater.once('end', () => callback());
    this.inflater.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inflater?.destroy();
    callback(error);
  }
}

function decoderFor(encoding: string | undefined, target: string): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return new DeflateDecoder();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new FetchError('network', `${target} sent its feed compressed as "${encoding}", which Herald cannot read. Ask the publisher to serve gzip, deflate or br.`);
  }
}

/**
 * Reads a response body, decompressing gzip/deflate/br, and drops the connection the moment the
 * raw or the decompressed size passes `maxBytes`. `target` names the feed in error messages.
 */
export async function readCappedBody(res: IncomingMessage, maxBytes: number, target: string, signal: AbortSignal): Promise<Uint8Array> {
  if (Number(res.headers['content-length']) > maxBytes) {
    res.destroy();
    throw tooLarge(target, maxBytes);
  }
  const decoder = decoderFor(res.headers['content-encoding'], target);
  const chunks: Buffer[] = [];
  const capped = async function* (source: AsyncIterable<Buffer>) {
    let total = 0;
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(target, maxBytes);
      yield chunk;
    }
  };
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of capped(source)) chunks.push(chunk);
  };
  let decodeFailure: unknown;
  decoder?.once('error', (error: Error) => (decodeFailure = error));
  try {
    // Capped before and after decompression: a zip bomb passes the cap decompressed, endless padding raw.
    if (decoder) await pipeline(res, capped, decoder, collect, { signal });
    else await pipeline(res, collect, { signal });
  } catch (error) {
    if (error === decodeFailure) {
      throw new FetchError('network', `${target} sent a ${res.headers['content-encoding']} body that does not decompress. The feed may be broken; Herald will try again later.`, { cause: error });
    }
    throw error;
  }
  return Buffer.concat(chunks);
}
