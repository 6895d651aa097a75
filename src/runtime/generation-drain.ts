/** How a drain ended: generations that finished within the grace, were aborted, or had not settled when it gave up. */
export interface DrainReport {
  finished: number;
  aborted: number;
  unsettled: number;
}

const noop = () => undefined;

/**
 * The generations in flight, for a graceful shutdown (runtime-neutral; the Node, Bun and Deno entries
 * wire it to their signals). The generation service hands it each generation's whole life, up to the
 * end of its settled event (answer stored, usage row written, stream slot released), and runs every
 * model call under a signal linked to it. At shutdown new generations are refused, running ones get a grace
 * period, then the signal aborts the rest: they settle through the normal path, stored as `aborted`.
 */
export class GenerationDrain {
  private readonly controller = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  /** The signals of the model calls in flight, aborted with the drain. */
  private readonly linked = new Set<AbortController>();
  private idleListeners: (() => void)[] = [];
  private isDraining = false;

  /** Aborted once the grace period is over. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * The signal a model call runs under: aborted with the client's, or by the drain once the grace is
   * over. `release` when the call is over. (Cheaper than AbortSignal.any, ~1 µs against ~8 µs a call.)
   */
  link(clientSignal: AbortSignal): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    if (clientSignal.aborted || this.controller.signal.aborted) {
      controller.abort();
      return { signal: controller.signal, release: noop };
    }
    const forward = () => {
      controller.abort();
    };
    clientSignal.addEventListener('abort', forward, { once: true });
    this.linked.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        clientSignal.removeEventListener('abort', forward);
        this.linked.delete(controller);
      },
    };
  }

  /** True from the start of a shutdown: no new generation is admitted. */
  get draining(): boolean {
    return this.isDraining;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** A generation's whole life, up to the end of its settled event. */
  track(work: Promise<unknown>): void {
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(tracked);
    void tracked.then(() => {
      this.running.delete(tracked);
      if (this.running.size > 0) return;
      const listeners = this.idleListeners;
      this.idleListeners = [];
      for (const listener of listeners) listener();
    });
  }

  /**
   * Refuses new generations, lets running ones finish for `graceMs`, then aborts the rest and waits up
   * to `settleMs` for them to settle.
   */
  async drain(graceMs: number, settleMs: number): Promise<DrainReport> {
    this.isDraining = true;
    const before = this.running.size;
    if (await this.idleWithin(graceMs)) return { finished: before, aborted: 0, unsettled: 0 };
    const report = await this.abortRunning(settleMs);
    return { ...report, finished: before - report.aborted };
  }

  /** Aborts whatever still runs (and anything started later) and waits up to `settleMs` for it to settle. */
  async abortRunning(settleMs: number): Promise<DrainReport> {
    this.isDraining = true;
    const aborted = this.running.size;
    this.controller.abort();
    for (const controller of this.linked) controller.abort();
    this.linked.clear();
    await this.idleWithin(settleMs);
    return { finished: 0, aborted, unsettled: this.running.size };
  }

  private idleWithin(milliseconds: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleListeners = this.idleListeners.filter((listener) => listener !== onIdle);
        resolve(false);
      }, milliseconds);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleListeners.push(onIdle);
    });
  }
}
