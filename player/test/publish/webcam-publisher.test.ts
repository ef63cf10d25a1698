import { describe, expect, it } from 'vitest';
import { avcCodecFor, publishSocketTarget } from '../../src/publish/webcam-publisher.js';

describe('avcCodecFor', () => {
  // H.264 Table A-1 MaxFS (macroblocks per frame): level 3.1 = 3600, 4.0 = 8192.
  it.each([
    [640, 480, 'avc1.42e01f'],
    [1280, 720, 'avc1.42e01f'], // 80 × 45 = 3600 MBs: the largest level 3.1 frame
    [1280, 736, 'avc1.42e028'],
    [1920, 1080, 'avc1.42e028'], // 120 × 68 = 8160
    [2560, 1440, 'avc1.42e033'],
  ])('%ix%i → %s (Constrained Baseline: no B-frames)', (w, h, codec) => {
    expect(avcCodecFor(w, h)).toBe(codec);
  });
});

describe('publishSocketTarget', () => {
  it('offers the key as a subprotocol and keeps it out of the URL', () => {
    expect(publishSocketTarget('ws://h:8080/publish/cam', 'Zx-9_k')).toEqual({ url: 'ws://h:8080/publish/cam', protocols: ['framewire', 'framewire.key.Zx-9_k'] });
  });

  it('puts a key a subprotocol cannot carry into ?key= instead', () => {
    expect(publishSocketTarget('ws://h:8080/publish/cam', 'my key')).toEqual({ url: 'ws://h:8080/publish/cam?key=my+key', protocols: [] });
  });
});
