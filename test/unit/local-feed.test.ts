import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FetchError } from '../../src/feeds/fetch.js';
import { fetchFeedAt, isWebAddress, readLocalFeed } from '../../src/feeds/local-feed.js';

async function feedFile(content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'herald-local-')), 'feed.xml');
  await writeFile(path, content);
  return path;
}

describe('local feed files (configured by the operator)', () => {
  it('reads a file by path or file: URL and answers "not modified" while its mtime is unchanged', async () => {
    const path = await feedFile('<rss version="2.0"><channel><title>Local</title></channel></rss>');
    const first = await readLocalFeed(path, {}, 1024);
    expect(first.kind).toBe('fetched');
    if (first.kind !== 'fetched') return;
    expect(new TextDecoder().decode(first.body)).toContain('<title>Local</title>');
    expect(first.lastModified).toBeDefined();

    expect((await readLocalFeed(pathToFileURL(path).href, { lastModified: first.lastModified }, 1024)).kind).toBe('not-modified');
    await utimes(path, new Date(), new Date(Date.now() + 60_000));
    expect((await readLocalFeed(path, { lastModified: first.lastModified }, 1024)).kind).toBe('fetched');
  });

  it('refuses a file over the size cap and explains a missing file', async () => {
    const path = await feedFile('x'.repeat(2048));
    await expect(readLocalFeed(path, {}, 1024)).rejects.toMatchObject({ kind: 'too-large' });
    const missing = await readLocalFeed('/nonexistent/feed.xml', {}, 1024).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(FetchError);
    expect((missing as FetchError).kind).toBe('file');
    expect((missing as FetchError).message).toBe('Cannot read feed /nonexistent/feed.xml: no such file.');
  });

  it('refuses an address with another scheme as such, not as a file that is not there', async () => {
    const options = { timeoutMs: 5_000, maxBytes: 1024, maxRedirects: 3, allowHosts: [] };
    for (const address of ['ftp://example.org/feed.xml', 'feed://example.org/feed.xml']) {
      const refused = await fetchFeedAt(address, {}, options).catch((error: unknown) => error);
      expect(refused).toMatchObject({ kind: 'invalid-url', message: expect.stringContaining('Herald only fetches http:// and https:// addresses') });
    }
    await expect(fetchFeedAt('file:///nonexistent/feed.xml', {}, options)).rejects.toThrow('Cannot read feed file:///nonexistent/feed.xml: no such file.');
  });

  it('tells web addresses from paths', () => {
    expect(isWebAddress('https://example.com/feed')).toBe(true);
    expect(isWebAddress('HTTP://example.com/feed')).toBe(true);
    expect(isWebAddress('./feeds/world.xml')).toBe(false);
    expect(isWebAddress('file:///srv/feed.xml')).toBe(false);
  });
});
