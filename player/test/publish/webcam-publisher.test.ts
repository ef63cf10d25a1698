import { describe, expect, it } from 'vitest';
import { avcCodecFor } from '../../src/publish/webcam-publisher.js';

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
