/** Seeded PRNG (mulberry32) so "random" chunkings and garbage are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max]. */
export function randomInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

export function randomBytes(rand: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** Cuts `buf` into consecutive views of random length in [min, max]. */
export function randomChunks(buf: Uint8Array, rand: () => number, min = 1, max = 4096): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < buf.length; ) {
    const size = randomInt(rand, min, max);
    chunks.push(buf.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
