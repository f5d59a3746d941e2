import { vi } from 'vitest';

/**
 * Runs `run` and returns what its segmenting costs in Node 20's V8, where every step of a
 * segment iterator is paid for with the length of the whole text being segmented.
 */
export function segmenterWork(run: () => void): number {
  const segment = Intl.Segmenter.prototype.segment;
  let work = 0;
  const spy = vi.spyOn(Intl.Segmenter.prototype, 'segment').mockImplementation(function (this: Intl.Segmenter, input: string) {
    const segments = segment.call(this, input);
    return Object.assign(Object.create(segments) as Intl.Segments, {
      *[Symbol.iterator]() {
        for (const data of segments) {
          work += input.length;
          yield data;
        }
      },
    });
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return work;
}
