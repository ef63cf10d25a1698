/**
 * Deliberately naive Annex-B splitter (one byte at a time, straight from H.264 B.2), used as an
 * oracle for the optimized scanners: it shares no code with src/.
 */
export function referenceSplit(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = -1; // first byte of the current NAL unit, -1 before the first start code
  for (let i = 2; i < buf.length; i++) {
    if (buf[i] === 1 && buf[i - 1] === 0 && buf[i - 2] === 0) {
      if (start >= 0) push(buf, start, i - 2, out);
      start = i + 1;
    }
  }
  if (start >= 0) push(buf, start, buf.length, out);
  return out;
}

function push(buf: Uint8Array, start: number, end: number, out: Uint8Array[]): void {
  let e = end;
  while (e > start && buf[e - 1] === 0) e--; // trailing_zero_8bits / zero_byte
  if (e > start) out.push(buf.subarray(start, e));
}

/** Bytes before the first start code (and its zero run); without one, all but trailing zeros. */
export function referenceLeadingGarbage(buf: Uint8Array): number {
  for (let i = 2; i < buf.length; i++) {
    if (buf[i] === 1 && buf[i - 1] === 0 && buf[i - 2] === 0) {
      let j = i - 2;
      while (j > 0 && buf[j - 1] === 0) j--;
      return j;
    }
  }
  let e = buf.length;
  while (e > 0 && buf[e - 1] === 0) e--;
  return e;
}
