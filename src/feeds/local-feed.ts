import { open, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fetchFeed, FetchError, type FetchOptions, type FetchOutcome, type Validators } from './fetch.js';

/** True for http(s) URLs; anything else names a local file (only the operator's config can add one). */
export function isWebAddress(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** `ftp://…`, `feed://…`: an address with a scheme, which is no file name (file: URLs name files). */
const OTHER_SCHEME = /^(?!file:)[a-z][a-z\d+.-]*:\/\//i;

/**
 * Why a file could not be read, in a reader's words rather than Node's ("ENOENT: no such file or
 * directory, open 'x'"): for every command that reads a file someone named.
 */
export function unreadableFileReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

function localPath(location: string): string {
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}

/**
 * Reads a feed file like a conditional GET: its modification time plays Last-Modified, so an
 * unchanged file is "not modified" and nothing is parsed again; the size cap applies as for
 * downloads.
 */
export async function readLocalFeed(location: string, validators: Validators, maxBytes: number): Promise<FetchOutcome> {
  const path = localPath(location);
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new FetchError('file', `Cannot read feed ${location}: it is a directory, not a feed file.`);
    const lastModified = info.mtime.toUTCString();
    if (validators.lastModified === lastModified) return { kind: 'not-modified', finalUrl: location };
    if (info.size > maxBytes) {
      throw new FetchError('too-large', `Feed file ${location} is ${info.size} bytes, over the limit of ${maxBytes} (fetch.maxBytes).`);
    }
    const file = await open(path);
    try {
      return { kind: 'fetched', body: await file.readFile(), lastModified, finalUrl: location };
    } finally {
      await file.close();
    }
  } catch (error) {
    if (error instanceof FetchError) throw error;
    throw new FetchError('file', `Cannot read feed ${location}: ${unreadableFileReason(error)}.`, { cause: error });
  }
}

/**
 * Fetches a feed from the web (SSRF guard, limits, conditional GET) or reads it from a local file.
 * Any other scheme goes to the fetcher too, which refuses it as such: read as a file name it
 * would be "no such file".
 */
export function fetchFeedAt(location: string, validators: Validators, options: FetchOptions): Promise<FetchOutcome> {
  const forFetcher = isWebAddress(location) || OTHER_SCHEME.test(location);
  return forFetcher ? fetchFeed(location, validators, options) : readLocalFeed(location, validators, options.maxBytes);
}
