import { describe, expect, it } from 'vitest';
import { GopCache } from '../../src/pipeline/gop-cache.js';

const frame = (key: boolean, size = 10) => ({ key, bytes: new Uint8Array(size) });

describe('GopCache', () => {
  it('holds the frames since the last IDR, starting with it', () => {
    const cache = new GopCache({ maxFrames: 100, maxBytes: 1 << 20 });
    cache.add(frame(false)); // before any IDR: useless to a joiner
    expect(cache.frameCount).toBe(0);
    cache.add(frame(true));
    cache.add(frame(false));
    cache.add(frame(true));
    cache.add(frame(false));
    expect(cache.snapshot().map((f) => f.key)).toEqual([true, false]);
  });

  it('stops caching past a limit until the next IDR (bounded memory)', () => {
    const cache = new GopCache({ maxFrames: 3, maxBytes: 1 << 20 });
    cache.add(frame(true));
    cache.add(frame(false));
    cache.add(frame(false));
    cache.add(frame(false)); // 4th frame: over the limit
    expect(cache.frameCount).toBe(0);
    cache.add(frame(false));
    expect(cache.frameCount).toBe(0);
    cache.add(frame(true));
    expect(cache.frameCount).toBe(1);

    const bytes = new GopCache({ maxFrames: 100, maxBytes: 25 });
    bytes.add(frame(true));
    bytes.add(frame(false));
    bytes.add(frame(false));
    expect(bytes.frameCount).toBe(0);
    expect(bytes.byteCount).toBe(0);
  });
});
