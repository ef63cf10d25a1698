/**
 * Records the init segments (ftyp+moov) a page appends to MSE, and reads the SPS out of their
 * avcC: what Chromium's decoder is actually configured with.
 */
import type { Page } from '@playwright/test';
import { parseAvcDecoderConfigurationRecord } from '@framewire/shared';

declare global {
  interface Window {
    __fwInitSegments: string[];
  }
}

/** Wraps SourceBuffer.appendBuffer before any page script runs; init segments are kept as hex. */
export async function captureInitSegments(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__fwInitSegments = [];
    const append = SourceBuffer.prototype.appendBuffer;
    SourceBuffer.prototype.appendBuffer = function (this: SourceBuffer, data: BufferSource) {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      // 'ftyp' at offset 4: an init segment (fragments start with 'moof').
      if (bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70) {
        window.__fwInitSegments.push(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
      }
      return append.call(this, data);
    };
  });
}

/** The first SPS of the avcC of every init segment appended so far, in order. */
export async function initSegmentSps(page: Page): Promise<Uint8Array[]> {
  const inits = await page.evaluate(() => window.__fwInitSegments.slice());
  return inits.map((hex) => {
    const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
    const at = Buffer.from(bytes).indexOf('avcC');
    if (at < 4) throw new Error('init segment without avcC');
    const size = new DataView(bytes.buffer).getUint32(at - 4);
    const record = parseAvcDecoderConfigurationRecord(bytes.subarray(at + 4, at - 4 + size));
    const sps = record.sps[0];
    if (!sps) throw new Error('avcC without SPS');
    return sps;
  });
}
