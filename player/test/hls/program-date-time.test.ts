import { describe, expect, it } from 'vitest';
import { captureTimeAt, nativeCaptureTimeAt } from '../../src/hls/program-date-time.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('captureTimeAt (EXT-X-PROGRAM-DATE-TIME → capture time of a presented frame)', () => {
  // Three 1 s segments; the server wrote each one's capture time, with 3 ms of capture jitter on the second.
  const frags = [
    { start: 10, programDateTime: T0 },
    { start: 11, programDateTime: T0 + 1003 },
    { start: 12, programDateTime: T0 + 2000 },
  ];

  it('uses the segment holding the frame: its PDT + the offset into it', () => {
    expect(captureTimeAt(frags, 10.5)).toBe(T0 + 500);
    expect(captureTimeAt(frags, 11.25)).toBe(T0 + 1003 + 250);
    expect(captureTimeAt(frags, 12)).toBe(T0 + 2000);
  });

  it('tolerates rVFC rounding of mediaTime to µs just below a segment start', () => {
    expect(captureTimeAt(frags, 11 - 1e-6)).toBeCloseTo(T0 + 1003 - 0.001, 3);
  });

  it('extrapolates past the last segment (one still being written), nothing before the first', () => {
    expect(captureTimeAt(frags, 13.4)).toBeCloseTo(T0 + 3400, 6);
    expect(captureTimeAt(frags, 9)).toBeUndefined();
    expect(captureTimeAt([], 1)).toBeUndefined();
  });

  it('skips segments without a date', () => {
    expect(captureTimeAt([{ start: 0, programDateTime: T0 }, { start: 1, programDateTime: null }], 1.5)).toBe(T0 + 1500);
    expect(captureTimeAt([{ start: 0, programDateTime: null }], 0.5)).toBeUndefined();
  });
});

describe('nativeCaptureTimeAt (Safari getStartDate())', () => {
  it('adds the media time to the start date; NaN (no PDT) gives nothing', () => {
    expect(nativeCaptureTimeAt(T0, 2.5)).toBe(T0 + 2500);
    expect(nativeCaptureTimeAt(Number.NaN, 2.5)).toBeUndefined();
  });
});
