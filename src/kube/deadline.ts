/** A one-shot timer that is easy to clear from every exit path. */
export class Deadline {
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, onExpire: () => void) {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      onExpire();
    }, ms);
    this.#timer.unref();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
