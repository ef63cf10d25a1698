/**
 * NAL unit payload → RBSP (H.264 7.3.1 / 7.4.1): every 0x03 in a 00 00 03 sequence is an
 * emulation_prevention_three_byte and is dropped. Matches are found left to right on the raw bytes,
 * so the two zeros of a match never include an already-removed 0x03.
 *
 * Returns `data` itself when it holds no emulation prevention byte (the common case for SPS/PPS),
 * otherwise one new array. The header byte can be included: it is never 0x00 in a valid NAL unit.
 */
export function removeEmulationPrevention(data: Uint8Array): Uint8Array {
  let i = firstEmulationPrevention(data, 2);
  if (i < 0) return data;
  const out = new Uint8Array(data.length - 1);
  let written = 0;
  let from = 0;
  while (i >= 0) {
    out.set(data.subarray(from, i), written);
    written += i - from;
    from = i + 1;
    i = firstEmulationPrevention(data, from + 2);
  }
  out.set(data.subarray(from), written);
  written += data.length - from;
  return out.subarray(0, written);
}

/** Index of the next 0x03 at or after `from` that is preceded by two 0x00 bytes, or -1. */
function firstEmulationPrevention(data: Uint8Array, from: number): number {
  let i = data.indexOf(3, from);
  while (i >= 0) {
    if (data[i - 1] === 0 && data[i - 2] === 0) return i;
    i = data.indexOf(3, i + 1);
  }
  return -1;
}

/**
 * RBSP → NAL unit payload (7.4.1): within the NAL unit, 00 00 followed by 00, 01, 02 or 03 must
 * not occur, so an emulation_prevention_three_byte (0x03) goes after every such pair of zeros.
 * Inverse of removeEmulationPrevention.
 */
export function addEmulationPrevention(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}
