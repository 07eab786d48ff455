/**
 * A counting semaphore without queued promises: a caller that finds no slot leaves a wake-up
 * callback (once per caller), called when a slot frees. Bounds the node's concurrent webhook
 * requests across all subscriptions.
 */
export class Limiter {
  #used = 0;
  readonly #waiting = new Set<() => void>();

  constructor(readonly max: number) {}

  tryAcquire(wake: () => void): boolean {
    if (this.#used < this.max) {
      this.#used++;
      return true;
    }
    this.#waiting.add(wake);
    return false;
  }

  release(): void {
    this.#used--;
    const next = this.#waiting.values().next();
    if (!next.done) {
      this.#waiting.delete(next.value);
      queueMicrotask(next.value);
    }
  }

  forget(wake: () => void): void {
    this.#waiting.delete(wake);
  }

  get used(): number {
    return this.#used;
  }
}
