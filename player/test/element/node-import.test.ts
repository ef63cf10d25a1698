/**
 * The library is imported outside browsers too (e2e/support/remux-recorder.ts runs its remuxer in
 * Node; pages rendered on a server import it): the element class must not need a DOM to be defined,
 * and the main entry must not register anything.
 */
import { describe, expect, it } from 'vitest';

describe('importing the library without a DOM', () => {
  it('defines the element class without touching customElements', async () => {
    expect(typeof globalThis.HTMLElement).toBe('undefined');
    const lib = await import('../../src/index.js');
    expect(typeof lib.FramewirePlayerElement).toBe('function');
    expect(lib.FramewirePlayerElement.observedAttributes).toContain('target-latency');
    expect(typeof lib.Fmp4Remuxer).toBe('function');
  });
  it('define.ts registers nothing where there is no customElements registry', async () => {
    const define = await import('../../src/element/define.js');
    expect(define.FRAMEWIRE_PLAYER_TAG).toBe('framewire-player');
  });
});
