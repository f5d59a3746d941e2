/** Holds an emulator's requests unanswered while on, as a platform too overloaded to answer would. */
export class Stall {
  private held?: { passed: Promise<void>; release: () => void };

  /** Resolves at once, or once the stall is lifted. */
  passed(): Promise<void> {
    return this.held?.passed ?? Promise.resolve();
  }

  /** Starts holding requests; the returned function lets them (and every later one) through. */
  begin(): () => void {
    let release = (): void => undefined;
    const passed = new Promise<void>((resolve) => (release = resolve));
    this.held = { passed, release };
    return () => this.lift();
  }

  lift(): void {
    this.held?.release();
    this.held = undefined;
  }
}
