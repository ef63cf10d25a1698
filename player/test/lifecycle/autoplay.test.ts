import { describe, expect, it } from 'vitest';
import { AutoplayController, playWithMutedFallback, type PlayableMedia } from '../../src/lifecycle/autoplay.js';

const refusal = (name: string): Error => Object.assign(new Error(`${name} message`), { name });

/** A media element whose play() follows a policy: refuse with sound, refuse always, … */
class FakeMedia implements PlayableMedia {
  muted = false;
  paused = true;
  ended = false;
  readyState = 4;
  plays = 0;
  private listeners = new Map<string, Set<() => void>>();
  constructor(private readonly policy: (m: FakeMedia) => string | null) {}
  play(): Promise<void> {
    this.plays++;
    const err = this.policy(this);
    if (err) return Promise.reject(refusal(err));
    this.paused = false;
    this.emit('play');
    this.emit('playing');
    return Promise.resolve();
  }
  pause(): void {
    this.paused = true;
    this.emit('pause');
  }
  addEventListener(t: string, l: () => void): void {
    if (!this.listeners.has(t)) this.listeners.set(t, new Set());
    this.listeners.get(t)!.add(l);
  }
  removeEventListener(t: string, l: () => void): void { this.listeners.get(t)?.delete(l); }
  emit(t: string): void { for (const l of this.listeners.get(t) ?? []) l(); }
}

const soundBlocked = (m: FakeMedia): string | null => (m.muted ? null : 'NotAllowedError');

describe('playWithMutedFallback', () => {
  it('plays with sound when allowed', async () => {
    const m = new FakeMedia(() => null);
    expect((await playWithMutedFallback(m)).outcome).toBe('playing');
    expect(m.muted).toBe(false);
  });
  it('mutes and plays when sound is refused', async () => {
    const m = new FakeMedia(soundBlocked);
    const r = await playWithMutedFallback(m);
    expect(r.outcome).toBe('playing-muted');
    expect(r.error?.name).toBe('NotAllowedError');
    expect(m.muted).toBe(true);
    expect(m.plays).toBe(2);
  });
  it('reports blocked when even muted playback is refused', async () => {
    const m = new FakeMedia(() => 'NotAllowedError');
    expect((await playWithMutedFallback(m)).outcome).toBe('blocked');
    const muted = new FakeMedia(() => 'NotAllowedError');
    muted.muted = true;
    expect((await playWithMutedFallback(muted)).outcome).toBe('blocked');
    expect(muted.plays).toBe(1);
  });
  it('an interrupted request is not a refusal; other errors are failures', async () => {
    const m = new FakeMedia(() => 'AbortError');
    expect((await playWithMutedFallback(m)).outcome).toBe('interrupted');
    expect(m.muted).toBe(false);
    expect((await playWithMutedFallback(new FakeMedia(() => 'NotSupportedError'))).outcome).toBe('failed');
  });
});

describe('AutoplayController', () => {
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('reports the muted fallback once and does not stack requests', async () => {
    const m = new FakeMedia(soundBlocked);
    const events: string[] = [];
    const c = new AutoplayController(m as never, { mutedFallback: () => events.push('muted'), blocked: () => events.push('blocked'), log: () => {} });
    c.request();
    c.request(); // pending: ignored
    await flush();
    expect(events).toEqual(['muted']);
    expect(m.plays).toBe(2);
    c.request(); // playing now: nothing to do
    await flush();
    expect(m.plays).toBe(2);
  });

  it('after a refusal it waits for playback (a user gesture) or reset()', async () => {
    let allowed = false;
    const m = new FakeMedia(() => (allowed ? null : 'NotAllowedError'));
    m.muted = true;
    const events: string[] = [];
    const c = new AutoplayController(m as never, { mutedFallback: () => events.push('muted'), blocked: (r) => events.push(r), log: () => {} });
    c.request();
    await flush();
    expect(c.blocked).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/refused.*press play/);
    c.request();
    c.request();
    await flush();
    expect(m.plays).toBe(1); // no retry storm
    allowed = true;
    c.reset();
    c.request();
    await flush();
    expect(m.paused).toBe(false);
    expect(c.blocked).toBe(false);
  });

  it("a viewer's pause stays a pause until played again; the player's or the browser's does not count", async () => {
    const m = new FakeMedia(() => null);
    let ours = false;
    const c = new AutoplayController(m as never, { mutedFallback: () => {}, blocked: () => {}, log: () => {}, pauseIsOurs: () => ours });
    c.request();
    await flush();
    expect(m.paused).toBe(false);
    m.pause(); // the viewer
    c.request();
    await flush();
    expect(m.paused).toBe(true);
    expect(m.plays).toBe(1);
    await m.play(); // the viewer again
    ours = true; // a background tab, a suspend
    m.pause();
    c.request();
    await flush();
    expect(m.paused).toBe(false);
    ours = false;
    m.readyState = 1; // at the end of its buffer (a stall): still the viewer's pause
    m.pause();
    c.request();
    await flush();
    expect(m.paused).toBe(true);
    m.ended = true; // the end of a stream is not
    m.readyState = 4;
    await m.play();
    m.pause();
    m.ended = false; // e.g. a new source
    c.request();
    await flush();
    expect(m.paused, 'played again after a pause at the end of the stream').toBe(false);
    c.destroy();
  });

  it("a frame appended between the viewer's pause() and its pause event does not undo the pause; a new source (emptied) may play", async () => {
    const m = new FakeMedia(() => null);
    const c = new AutoplayController(m as never, { mutedFallback: () => {}, blocked: () => {}, log: () => {} });
    c.request();
    await flush();
    m.paused = true; // pause(): `paused` at once, the event a task later
    c.request();
    await flush();
    expect(m.paused).toBe(true);
    m.emit('pause');
    c.request();
    await flush();
    expect([m.paused, m.plays]).toEqual([true, 1]);
    await m.play(); // the viewer
    m.paused = true; // a new MediaSource: paused without a pause event, but 'emptied'
    m.emit('emptied');
    c.request();
    await flush();
    expect([m.paused, m.plays]).toEqual([false, 3]);
    c.destroy();
  });
});
