import { describe, expect, it } from 'vitest';
import { VisibilityLifecycle, type LifecycleClock, type VisibilitySource } from '../../src/lifecycle/visibility.js';

/** A document whose visibility the test sets, and a clock the test advances. */
class FakeDoc implements VisibilitySource {
  visibilityState: DocumentVisibilityState = 'visible';
  private listeners = new Set<() => void>();
  addEventListener(_t: 'visibilitychange', l: () => void): void { this.listeners.add(l); }
  removeEventListener(_t: 'visibilitychange', l: () => void): void { this.listeners.delete(l); }
  set(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    for (const l of [...this.listeners]) l();
  }
  get listenerCount(): number { return this.listeners.size; }
}

class FakeClock implements LifecycleClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void { this.timers = this.timers.filter((x) => x.id !== h); }
  now(): number { return this.t; }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  get pending(): number { return this.timers.length; }
}

function setup(graceMs = 5000, canSuspend: () => boolean = () => true) {
  const doc = new FakeDoc();
  const clock = new FakeClock();
  const calls: string[] = [];
  const lc = new VisibilityLifecycle(doc, graceMs, {
    suspend: (ms) => { calls.push(`suspend@${ms}`); return canSuspend(); },
    resume: (ms) => calls.push(`resume@${ms}`),
    returned: (ms) => calls.push(`returned@${ms}`),
  }, clock);
  return { doc, clock, calls, lc };
}

describe('VisibilityLifecycle', () => {
  it('a short absence only jumps back to the live edge', () => {
    const { doc, clock, calls, lc } = setup();
    doc.set('hidden');
    clock.advance(4999);
    doc.set('visible');
    expect(calls).toEqual(['returned@4999']);
    expect(lc.suspended).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('suspends after the grace period and resumes on return', () => {
    const { doc, clock, calls, lc } = setup();
    doc.set('hidden');
    clock.advance(5000);
    expect(calls).toEqual(['suspend@5000']);
    expect(lc.suspended).toBe(true);
    clock.advance(60_000); // stays suspended, asks nothing more
    expect(calls).toHaveLength(1);
    doc.set('visible');
    expect(calls).toEqual(['suspend@5000', 'resume@65000']);
    expect(lc.suspended).toBe(false);
  });

  it('asks again after another grace period when the player cannot suspend yet', () => {
    let can = false;
    const { doc, clock, calls, lc } = setup(1000, () => can);
    doc.set('hidden');
    clock.advance(1000);
    expect(lc.suspended).toBe(false);
    can = true;
    clock.advance(1000);
    expect(calls).toEqual(['suspend@1000', 'suspend@2000']);
    expect(lc.suspended).toBe(true);
  });

  it('a page opened hidden counts from the start; Infinity never suspends', () => {
    const doc = new FakeDoc();
    doc.visibilityState = 'hidden';
    const clock = new FakeClock();
    const calls: string[] = [];
    const handlers = { suspend: () => { calls.push('suspend'); return true; }, resume: () => calls.push('resume'), returned: () => calls.push('returned') };
    new VisibilityLifecycle(doc, 100, handlers, clock);
    clock.advance(100);
    expect(calls).toEqual(['suspend']);

    const { doc: d2, clock: c2, calls: calls2 } = setup(Infinity);
    d2.set('hidden');
    c2.advance(3_600_000);
    d2.set('visible');
    expect(calls2).toEqual(['returned@3600000']);
  });

  it('repeated events and destroy() are harmless', () => {
    const { doc, clock, calls, lc } = setup();
    doc.set('visible'); // visible while visible: nothing
    doc.set('hidden');
    clock.advance(3000);
    doc.set('hidden'); // does not restart the grace period
    clock.advance(2000);
    expect(calls).toEqual(['suspend@5000']);
    lc.destroy();
    expect(doc.listenerCount).toBe(0);
    doc.set('visible');
    expect(calls).toEqual(['suspend@5000']);
  });
});
