/**
 * Proves the measurement instrument before trusting it: barcode frames go through the same x264
 * command as the live source, are decoded back by ffmpeg, and must read back exactly; a damaged
 * barcode must be rejected (not counted). No browser and no server.
 */
import { expect, test } from '@playwright/test';
import { barcodeLayout, decodeYuvFrame, WHITE, BLACK } from '../support/barcode.js';
import { encoderArgs, makeBarcodeFrame, Background } from '../support/barcode-source.js';
import { runFfmpeg } from '../support/ffmpeg.js';

for (const [width, height] of [
  [1280, 720],
  [1920, 1080],
] as const) {
  test(`barcode survives x264 ultrafast round trip at ${width}x${height}`, async () => {
    const bg = new Background(width, height);
    const base = Date.now();
    // Timestamps exercising every bit position, the current epoch and odd values.
    const stamps = [base, base + 1, base + 33, base + 1234567, 2 ** 44 - 1, 2 ** 47 + 12345, 1, 0xaaaaaaaaaa, 0x555555555555];
    const frames = stamps.map((ms, n) => makeBarcodeFrame(width, height, n * 7, ms, bg));
    for (const [i, frame] of frames.entries()) expect(decodeYuvFrame(frame, width, height), `raw frame ${i}`).toBe(stamps[i]);

    const h264 = await runFfmpeg(encoderArgs(width, height), frames);
    expect(h264.byteLength).toBeGreaterThan(1000);
    const yuv = await runFfmpeg(
      ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
      h264,
    );
    const frameBytes = (width * height * 3) / 2;
    expect(yuv.byteLength).toBe(frameBytes * stamps.length);
    const read = stamps.map((_, i) => decodeYuvFrame(yuv.subarray(i * frameBytes, (i + 1) * frameBytes), width, height));
    expect(read).toEqual(stamps);
  });
}

test('a damaged barcode is rejected, not misread', () => {
  const [width, height] = [1280, 720];
  const L = barcodeLayout(width, height);
  const ms = Date.now();
  const bg = new Background(width, height);
  let rejected = 0;
  // Flip each block in turn: every single-block error must be caught by the guards or the CRC.
  for (let block = 0; block < L.blocks; block++) {
    const frame = makeBarcodeFrame(width, height, 0, ms, bg);
    for (let y = L.y0; y < L.y0 + L.blockH; y++) {
      const start = y * width + L.x0 + block * L.blockW;
      const cur = frame[start + (L.blockW >> 1)];
      frame.fill(cur === WHITE ? BLACK : WHITE, start, start + L.blockW);
    }
    const value = decodeYuvFrame(frame, width, height);
    expect(value, `block ${block}`).toBeLessThan(0);
    rejected++;
  }
  expect(rejected).toBe(L.blocks);
  // A frame with no barcode at all (flat grey) is also rejected.
  expect(decodeYuvFrame(new Uint8Array((width * height * 3) / 2).fill(128), width, height)).toBeLessThan(0);
});
