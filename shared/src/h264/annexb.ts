import { countTrailingZeros, findStartCode } from './start-code.js';

/**
 * Splits a whole Annex-B byte stream (H.264 Annex B) into NAL units.
 *
 * - Accepts 3- and 4-byte start codes (and any number of leading_zero_8bits).
 * - Returns views into `buf` (no copies), each starting with the NAL header byte.
 * - Zero bytes right before a start code, or at the end of `buf`, are trailing_zero_8bits (B.2)
 *   or the zero_byte of a 4-byte start code, never NAL data (7.4.1: a NAL unit's last byte is not
 *   0x00), so they are stripped.
 * - Bytes before the first start code are discarded, as AnnexBSplitter does, so both give the same
 *   NAL units for the same bytes.
 */
export function splitNalUnits(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = buf.length;
  let k = findStartCode(buf, 0, n);
  while (k >= 0) {
    const start = k + 1;
    const next = findStartCode(buf, start, n);
    // next - 2 is the first 0x00 of the next 00 00 01.
    const end = next >= 0 ? next - 2 : n;
    const nalEnd = end - countTrailingZeros(buf, start, end);
    if (nalEnd > start) out.push(buf.subarray(start, nalEnd));
    k = next;
  }
  return out;
}

const START_CODE_BYTES = 4;

/** Joins NAL units into one Annex-B buffer with 4-byte start codes (one allocation). */
export function toAnnexB(nalus: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const nal of nalus) total += START_CODE_BYTES + nal.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const nal of nalus) {
    // 00 00 00 01: zero_byte + start_code_prefix_one_3bytes (B.1); the zeros are already there.
    out[offset + 3] = 1;
    out.set(nal, offset + START_CODE_BYTES);
    offset += START_CODE_BYTES + nal.length;
  }
  return out;
}
