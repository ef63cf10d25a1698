/**
 * Timestamp barcode burned into the luma plane of each generated frame, read back from each
 * presented frame (LOW-LATENCY.md "measurement method").
 *
 * Layout (one band of big black/white blocks near the top of the frame):
 *   [guard 1 0 1 0] [48 bits: capture time, ms since the Unix epoch, MSB first]
 *   [8 bits: CRC-8 (poly 0x07) of those 6 bytes] [guard 0 1]
 * 62 blocks, each floor(W / 64) px wide (20 px at 1280, 30 px at 1920) and round(H / 15) px
 * tall (48 px at 720, 72 px at 1080), on a mid-grey quiet zone. Black = luma 16, white = 235.
 *
 * The functions `barcodeLayout`, `crc8` and `decodeBarcode` are self-contained (they reference
 * nothing at module scope except each other by name) because barcode-reader.ts injects their
 * source text into the page with Function.prototype.toString.
 */

export interface BarcodeLayout {
  width: number;
  height: number;
  /** Left edge of the first block. */
  x0: number;
  /** Top edge of the block row. */
  y0: number;
  blockW: number;
  blockH: number;
  /** Number of blocks (guards + data + checksum). */
  blocks: number;
  /** Rows (inclusive start, exclusive end) a reader needs: the block row plus nothing else. */
  bandTop: number;
  bandBottom: number;
}

export const BARCODE_DATA_BITS = 48;
export const BLACK = 16;
export const WHITE = 235;
export const QUIET = 128;

export function barcodeLayout(width: number, height: number): BarcodeLayout {
  const blocks = 4 + 48 + 8 + 2;
  const blockW = Math.floor(width / 64);
  const blockH = Math.max(16, Math.round(height / 15));
  const x0 = Math.floor((width - blocks * blockW) / 2);
  const y0 = 16;
  return { width, height, x0, y0, blockW, blockH, blocks, bandTop: y0, bandBottom: y0 + blockH };
}

/** CRC-8, polynomial x^8 + x^2 + x + 1 (0x07), init 0, over the 6 big-endian bytes of `ms`. */
export function crc8(ms: number): number {
  let crc = 0;
  for (let i = 5; i >= 0; i--) {
    const byte = Math.floor(ms / 2 ** (8 * i)) % 256;
    crc ^= byte;
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** The 62 block values (1 = white) for a timestamp. */
export function barcodeBits(ms: number): number[] {
  const value = Math.floor(ms);
  if (!(value >= 0 && value < 2 ** 48)) throw new RangeError(`timestamp out of range: ${ms}`);
  const bits = [1, 0, 1, 0];
  for (let i = 47; i >= 0; i--) bits.push(Math.floor(value / 2 ** i) % 2);
  const crc = crc8(value);
  for (let i = 7; i >= 0; i--) bits.push((crc >> i) & 1);
  bits.push(0, 1);
  return bits;
}

/**
 * Reads a barcode. `luma(x, y)` returns a brightness 0–255 for a pixel (Y plane in Node, RGB mean
 * in the page). Returns the timestamp, or a negative number for a misread:
 * -1 guard mismatch, -2 checksum mismatch.
 */
export function decodeBarcode(luma: (x: number, y: number) => number, width: number, height: number): number {
  const L = barcodeLayout(width, height);
  const cy = L.y0 + Math.floor(L.blockH / 2);
  const bits: number[] = [];
  for (let i = 0; i < L.blocks; i++) {
    const cx = L.x0 + i * L.blockW + Math.floor(L.blockW / 2);
    // Average a small window in the block centre: robust to ringing at the block edges.
    const rx = Math.max(1, Math.floor(L.blockW / 4));
    const ry = Math.max(1, Math.floor(L.blockH / 8));
    let sum = 0;
    let n = 0;
    for (let y = cy - ry; y <= cy + ry; y += ry) {
      for (let x = cx - rx; x <= cx + rx; x += Math.max(1, Math.floor(rx / 2))) {
        sum += luma(x, y);
        n++;
      }
    }
    bits.push(sum / n >= 126 ? 1 : 0);
  }
  const guard = [1, 0, 1, 0];
  for (let i = 0; i < 4; i++) if (bits[i] !== guard[i]) return -1;
  if (bits[L.blocks - 2] !== 0 || bits[L.blocks - 1] !== 1) return -1;
  let value = 0;
  for (let i = 0; i < 48; i++) value = value * 2 + (bits[4 + i] as number);
  let crc = 0;
  for (let i = 0; i < 8; i++) crc = crc * 2 + (bits[52 + i] as number);
  if (crc8(value) !== crc) return -2;
  return value;
}

/** Paints the barcode for `ms` into an 8-bit luma plane (stride = width), quiet zone included. */
export function paintBarcode(y: Uint8Array, width: number, height: number, ms: number): void {
  const L = barcodeLayout(width, height);
  const bits = barcodeBits(ms);
  const quietTop = Math.max(0, L.y0 - 8);
  const quietBottom = Math.min(height, L.y0 + L.blockH + 8);
  for (let row = quietTop; row < quietBottom; row++) y.fill(QUIET, row * width, (row + 1) * width);
  for (let row = L.y0; row < L.y0 + L.blockH; row++) {
    const base = row * width + L.x0;
    for (let i = 0; i < bits.length; i++) {
      y.fill(bits[i] ? WHITE : BLACK, base + i * L.blockW, base + (i + 1) * L.blockW);
    }
  }
}

/** Neutral chroma (128) over the barcode band so it is pure black/white after conversion. */
export function paintBarcodeChroma(u: Uint8Array, v: Uint8Array, width: number, height: number): void {
  const L = barcodeLayout(width, height);
  const cw = width >> 1;
  const top = Math.max(0, (L.y0 - 8) >> 1);
  const bottom = Math.min(height >> 1, (L.y0 + L.blockH + 8 + 1) >> 1);
  u.fill(128, top * cw, bottom * cw);
  v.fill(128, top * cw, bottom * cw);
}

/** Reads a barcode from a yuv420p frame (e.g. decoded back by ffmpeg). */
export function decodeYuvFrame(frame: Uint8Array, width: number, height: number): number {
  return decodeBarcode((x, yy) => frame[yy * width + x] ?? 0, width, height);
}
