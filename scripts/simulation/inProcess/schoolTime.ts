// Simulated time for an in-process run: one clock for every case, moved only by the driver, and the
// waits cases park on until it reaches them or their condition comes true.
//
// It keeps Temporal's rules for `condition(fn, ms)` (the SDK's workflow.js): the condition is
// evaluated at once and resolves without waiting when it already holds; otherwise it waits until
// `fn()` holds (checked after anything happens to the case) or `ms` has passed, at least 1 ms.
// Timers fire in the order of their instants; ties in the order they were set.

/** A wait a case is parked on. */
export interface Parked {
  seq: number;
  owner: CaseTimeOwner;
  fn: () => boolean;
  /** When the wait times out; null for a wait with no timeout. */
  deadline: number | null;
  resolve: (value: boolean) => void;
  done: boolean;
}

/** What a parked wait belongs to: checked again when that case is marked as changed. */
export interface CaseTimeOwner {
  parked: Set<Parked>;
}

export class SchoolTime {
  nowMs: number;
  /** Coroutines (case runs, message handlers) not parked on a wait: the world is quiet at 0. */
  private busy = 0;
  private seq = 0;
  /** Waits with a timeout, as a binary heap by (deadline, seq); entries done are skipped. */
  private timers: Parked[] = [];
  /** Cases something happened to since their waits were last checked. */
  private changed = new Set<CaseTimeOwner>();
  private failures: unknown[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  /** A coroutine started running (a case run, a handler that returned a promise). */
  began(): void {
    this.busy++;
  }

  /** A coroutine finished (returned or threw). */
  ended(owner: CaseTimeOwner): void {
    this.busy--;
    this.changed.add(owner);
  }

  /** Something happened to this case (a message, an activity's answer): check its waits again. */
  touch(owner: CaseTimeOwner): void {
    this.changed.add(owner);
  }

  /** A failure inside a coroutine nobody awaits: reported by the next settle(). */
  fail(err: unknown): void {
    this.failures.push(err);
  }

  /** Temporal's `condition`, for a coroutine of `owner` that is running (busy). */
  condition(owner: CaseTimeOwner, fn: () => boolean, ms?: number | string): Promise<boolean> {
    if (typeof ms === 'string') throw new Error('the case waits in milliseconds');
    if (fn()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const p: Parked = {
        seq: this.seq++,
        owner,
        fn,
        deadline: ms === undefined ? null : this.nowMs + Math.max(1, ms),
        resolve,
        done: false,
      };
      owner.parked.add(p);
      if (p.deadline !== null) this.push(p);
      this.busy--;
      this.changed.add(owner);
    });
  }

  /** Runs until every coroutine is parked, waking the waits whose conditions came true. */
  async settle(): Promise<void> {
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.failures.length) throw this.failures.shift();
      // Quiet: nothing woke, nothing runs, nothing happened since the waits were checked.
      if (!this.wakeChanged() && this.busy === 0 && this.changed.size === 0) return;
    }
  }

  /** Moves the clock to `targetMs`, firing every timer due on the way, in order, settling after each. */
  async advanceTo(targetMs: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.peek();
      if (!next || next.deadline! > targetMs) break;
      this.pop();
      if (next.deadline! > this.nowMs) this.nowMs = next.deadline!;
      this.release(next, false);
      await this.settle();
    }
    if (targetMs > this.nowMs) this.nowMs = targetMs;
  }

  private wakeChanged(): boolean {
    let woke = false;
    const owners = [...this.changed];
    this.changed.clear();
    for (const owner of owners) {
      // In the order the waits began, as the SDK checks its blocked conditions.
      for (const p of [...owner.parked].sort((a, b) => a.seq - b.seq)) {
        if (!p.done && p.fn()) {
          this.release(p, true);
          woke = true;
        }
      }
    }
    return woke;
  }

  private release(p: Parked, value: boolean): void {
    p.done = true;
    p.owner.parked.delete(p);
    this.busy++;
    p.resolve(value);
  }

  // A binary heap of timers by (deadline, seq).
  private less(a: Parked, b: Parked): boolean {
    return a.deadline! < b.deadline! || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private push(p: Parked): void {
    const h = this.timers;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private peek(): Parked | undefined {
    while (this.timers.length && this.timers[0]!.done) this.pop();
    return this.timers[0];
  }

  private pop(): Parked | undefined {
    const h = this.timers;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
