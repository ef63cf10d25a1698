/**
 * Start-code scanning shared by the whole-buffer splitter (annexb.ts) and the incremental one
 * (annexb-splitter.ts). Internal: not re-exported from index.ts.
 *
 * H.264 B.2: a start code is 0x000001, optionally preceded by zero_byte / leading_zero_8bits and
 * followed (after the NAL unit) by trailing_zero_8bits. 7.4.1 guarantees 0x000000, 0x000001 and
 * 0x000002 never occur inside a NAL unit and that its last byte is not 0x00, so every 00 00 01 is a
 * start code and every zero byte right before one belongs to the byte stream, not to the NAL unit.
 */

/**
 * Index of the 0x01 byte of the first 00 00 01 that lies wholly inside data[from, end), or -1.
 * Skips three bytes at a time when data[i + 2] > 1 (no start code can begin at i, i+1 or i+2),
 * the same trick as FFmpeg's ff_avc_find_startcode, so typical slice data costs ~1/3 read per byte.
 */
export function findStartCode(data: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i + 2 < end) {
    const c = data[i + 2]!;
    if (c > 1) {
      i += 3;
    } else if (c === 1) {
      if (data[i + 1] === 0 && data[i] === 0) return i + 2;
      i += 3;
    } else {
      i += 1;
    }
  }
  return -1;
}

/** Number of consecutive 0x00 bytes ending just before `end`, not looking below `floor`. */
export function countTrailingZeros(data: Uint8Array, floor: number, end: number): number {
  let j = end;
  while (j > floor && data[j - 1] === 0) j--;
  return end - j;
}
