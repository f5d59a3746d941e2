interface HostSlots {
  active: number;
  waiting: Array<() => void>;
}

/**
 * Caps how many tasks run at once per host, in this process; tasks over the cap wait their turn
 * in arrival order. Being polite to one publisher must not slow down the others, hence per host.
 */
export class HostLimiter {
  private readonly hosts = new Map<string, HostSlots>();

  constructor(readonly perHost: number) {
    if (!Number.isInteger(perHost) || perHost < 1) throw new RangeError(`perHost must be a whole number of at least 1, got ${perHost}`);
  }

  /** Runs `task` once fewer than `perHost` tasks for `host` are running; settles as the task does. */
  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(host);
    try {
      return await task();
    } finally {
      this.release(host);
    }
  }

  private acquire(host: string): Promise<void> {
    let slots = this.hosts.get(host);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.hosts.set(host, slots);
    }
    if (slots.active < this.perHost) {
      slots.active += 1;
      return Promise.resolve();
    }
    const queue = slots.waiting;
    return new Promise((resolve) => queue.push(resolve));
  }

  private release(host: string): void {
    const slots = this.hosts.get(host);
    if (!slots) return;
    const next = slots.waiting.shift();
    // The freed slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else if (--slots.active === 0) this.hosts.delete(host);
  }
}
