/**
 * Issue 3, "Decoder delay": what Chromium's decoder is configured with when the stream's SPS has
 * no VUI bitstream_restriction (x264's is stripped on the way to the server).
 *   - no B-frames (High profile): the first init has the stream's SPS; after one clean GOP a
 *     second init, just before a key frame, says max_num_reorder_frames = 0 (by default; with
 *     ?fw.signalNoReorder=false there is one init, without bitstream_restriction);
 *   - B-frames: the SPS the B slices are decoded with never says 0, and the pictures are
 *     presented in display order (the barcode carries the frame index).
 */
import { expect, test, type Page } from '@playwright/test';
import { readBitstreamRestriction } from '@framewire/shared';
import { installReader, type RawSample } from '../support/barcode-reader.js';
import { captureErrors, sleep, startBarcodeStream, type BarcodeStream } from '../support/harness.js';
import { captureInitSegments, initSegmentSps } from '../support/init-capture.js';
import { StripBitstreamRestriction } from '../support/sps-restriction-strip.js';

/** High profile needs CABAC or the 8x8 transform, which ultrafast turns off (x264 would write Baseline). */
const HIGH_NO_B = ['-c:v', 'libx264', '-preset', 'superfast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p', '-profile:v', 'high'];
const HIGH_B2 = [
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-bf', '2', '-x264-params', 'b-pyramid=none',
  '-g', '30', '-pix_fmt', 'yuv420p', '-profile:v', 'high',
];

/** Opens /watch/cam (with `query`), waits for `frames` presented frames; returns the samples and the avcC SPS of every init. */
async function watch(page: Page, stream: BarcodeStream, query: string, frames: number): Promise<{ samples: RawSample[]; sps: Uint8Array[] }> {
  await captureInitSegments(page);
  await installReader(page);
  await page.goto(`${stream.watchUrl}${query}`);
  await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: 20_000 }).toBeGreaterThan(frames);
  return { samples: await page.evaluate(() => window.__barcode.samples), sps: await initSegmentSps(page) };
}

test.describe('SPS without bitstream_restriction', () => {
  test('no B-frames: after one GOP the avcC SPS says max_num_reorder_frames 0; not with ?fw.signalNoReorder=false', async ({ browser }) => {
    const strip = new StripBitstreamRestriction();
    const stream = await startBarcodeStream({ width: 640, height: 360, codecArgs: HIGH_NO_B, through: strip });
    try {
      for (const signal of [true, false]) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const { errors } = captureErrors(page);
        // GOP 30: past the second key frame.
        const { sps } = await watch(page, stream, signal ? '' : '?fw.signalNoReorder=false', 50);
        expect(strip.rewritten).toBeGreaterThan(0);
        expect(sps[0]![1], 'profile_idc').toBe(100);
        const reorder = sps.map((x) => readBitstreamRestriction(x)?.maxNumReorderFrames ?? null);
        expect(reorder).toEqual(signal ? [null, 0] : [null]);
        expect(errors).toEqual([]);
        await context.close();
      }
    } finally {
      await stream.stop();
    }
  });

  test('B-frames: never decoded with max_num_reorder_frames 0, presented in display order', async ({ page }) => {
    const strip = new StripBitstreamRestriction();
    const stream = await startBarcodeStream({ width: 640, height: 360, codecArgs: HIGH_B2, through: strip, stamp: 'frame-index' });
    try {
      await sleep(500);
      const { errors } = captureErrors(page);
      const { samples, sps } = await watch(page, stream, '', 60);
      expect(strip.rewritten).toBeGreaterThan(0);
      console.log(`B-frame stream: ${sps.length} init segment(s), avcC max_num_reorder_frames ${sps.map((x) => readBitstreamRestriction(x)?.maxNumReorderFrames ?? 'absent').join(', ')}`);
      // One init, with the stream's own SPS (no bitstream_restriction): never rewritten.
      expect(sps).toHaveLength(1);
      expect(sps[0]![1], 'profile_idc').toBe(100);
      expect(readBitstreamRestriction(sps[0]!)).toBeNull();
      const gaps = samples.map((s, i) => (i > 0 ? s[1] - samples[i - 1]![1] - 1 : 0)).filter((g) => g > 0);
      console.log(`B-frame stream: frames ${samples[0]![1]}..${samples[samples.length - 1]![1]} presented ${samples.length}, gaps ${JSON.stringify(gaps)}`);
      const backward = samples.filter((s, i) => i > 0 && s[1] < samples[i - 1]![1]).length;
      expect(backward, 'frames presented going backward in frame index').toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await stream.stop();
    }
  });
});
