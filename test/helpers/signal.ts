/**
 * Event-driven waiting for tests: `notify()` on every event, `until(done)` resolves as soon as
 * `done()` holds and rejects after `timeoutMs` with a description of what was awaited.
 */
export class Signal {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    for (const check of this.#waiters) check();
  }

  until(done: () => boolean, describe: () => string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }
}
