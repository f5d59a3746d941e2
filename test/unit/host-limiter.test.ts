import { describe, expect, it } from 'vitest';
import { HostLimiter } from '../../src/feeds/host-limiter.js';

/** A task that stays running until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, task: () => opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HostLimiter', () => {
  it('runs at most perHost tasks per host and starts the rest in arrival order', async () => {
    const limiter = new HostLimiter(2);
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, gate);
    const runs = gates.map((g, index) =>
      limiter.run('a.example', () => {
        started.push(index);
        return g.task();
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not make one host wait for another', async () => {
    const limiter = new HostLimiter(1);
    const slow = gate();
    const blocked = limiter.run('slow.example', slow.task);
    await expect(limiter.run('fast.example', async () => 'done')).resolves.toBe('done');
    slow.open();
    await blocked;
  });

  it('frees the slot when a task fails, and passes the failure on', async () => {
    const limiter = new HostLimiter(1);
    await expect(limiter.run('a.example', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('a.example', async () => 42)).resolves.toBe(42);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new HostLimiter(0)).toThrow(RangeError);
    expect(() => new HostLimiter(1.5)).toThrow(RangeError);
  });
});
