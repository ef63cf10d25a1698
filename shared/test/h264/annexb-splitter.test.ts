import { describe, expect, it } from 'vitest';
import { AccessUnitAssembler } from '../../src/h264/access-unit.js';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { AnnexBSplitter, DEFAULT_MAX_NAL_BYTES } from '../../src/h264/annexb-splitter.js';
import { FIXTURES, readFixture } from '../support/fixtures.js';
import { concat, hex, toHex } from '../support/hex.js';
import { mulberry32, randomBytes, randomChunks, randomInt } from '../support/prng.js';
import { referenceLeadingGarbage, referenceSplit } from '../support/reference-split.js';

/** Feeds `chunks` then flushes; returns every NAL unit as hex (compared after all pushes: catches aliasing). */
function splitAll(chunks: Uint8Array[], splitter = new AnnexBSplitter()): string[] {
  const nalus: Uint8Array[] = [];
  for (const chunk of chunks) nalus.push(...splitter.push(chunk));
  nalus.push(...splitter.flush());
  return nalus.map(toHex);
}

// Leading garbage, 3- and 4-byte start codes, an emulation prevention byte, extra zero bytes
// before a start code and at the end.
const SMALL = hex(`
  ab cd
  00 00 00 01 09 f0
  00 00 00 01 67 42 c0 1e da
  00 00 01 68 ce 3c 80
  00 00 00 00 01 65 88 00 00 03 00 84
  00 00 01 41 9a 01
  00 00`);
const SMALL_NALUS = ['09f0', '6742c01eda', '68ce3c80', '65880000030084', '419a01'];

describe('AnnexBSplitter', () => {
  it('splits a whole buffer like splitNalUnits', () => {
    const splitter = new AnnexBSplitter();
    expect(splitAll([SMALL], splitter)).toEqual(SMALL_NALUS);
    expect(splitter.droppedBytes).toBe(2); // ab cd; start codes and trailing zeros are not counted
    expect(splitNalUnits(SMALL).map(toHex)).toEqual(SMALL_NALUS);
  });

  it('gives the same NAL units for every 2-way split point', () => {
    for (let cut = 0; cut <= SMALL.length; cut++) {
      expect(splitAll([SMALL.subarray(0, cut), SMALL.subarray(cut)]), `cut at ${cut}`).toEqual(SMALL_NALUS);
    }
  });

  it('agrees with a naive splitter for every 2-way split of zero-heavy random buffers', () => {
    const rand = mulberry32(5);
    for (let i = 0; i < 60; i++) {
      const data = randomBytes(rand, 40).map((b) => (b < 200 ? b % 3 : b));
      const expected = referenceSplit(data).map(toHex);
      for (let cut = 0; cut <= data.length; cut++) {
        expect(splitAll([data.subarray(0, cut), data.subarray(cut)]), `sample ${i} cut ${cut}`).toEqual(expected);
      }
    }
  });

  it('gives the same NAL units for every 3-way split and byte by byte', () => {
    for (let a = 0; a <= SMALL.length; a++) {
      for (let b = a; b <= SMALL.length; b++) {
        const chunks = [SMALL.subarray(0, a), SMALL.subarray(a, b), SMALL.subarray(b)];
        expect(splitAll(chunks), `cuts at ${a}, ${b}`).toEqual(SMALL_NALUS);
      }
    }
    const bytes = Array.from(SMALL, (_, i) => SMALL.subarray(i, i + 1));
    expect(splitAll(bytes)).toEqual(SMALL_NALUS);
  });

  it('treats 3- and 4-byte start codes alike, also when the 4-byte one is split 1+3, 2+2, 3+1', () => {
    const three = hex('00 00 01 65 88 00 00 01 41 9a');
    const four = hex('00 00 00 01 65 88 00 00 00 01 41 9a');
    expect(splitAll([three])).toEqual(['6588', '419a']);
    expect(splitAll([four])).toEqual(['6588', '419a']);
    for (let cut = 6; cut <= 9; cut++) {
      expect(splitAll([four.subarray(0, cut), four.subarray(cut)])).toEqual(['6588', '419a']);
    }
  });

  it('gives the same NAL units for random chunk sizes 1..4096 over every fixture', () => {
    for (const name of Object.values(FIXTURES)) {
      const clip = readFixture(name);
      const expected = splitNalUnits(clip).map(toHex);
      for (const seed of [1, 2, 3]) {
        const rand = mulberry32(seed);
        const splitter = new AnnexBSplitter();
        expect(splitAll(randomChunks(clip, rand, 1, 4096), splitter), `${name} seed ${seed}`).toEqual(expected);
        expect(splitter.droppedBytes).toBe(0);
        expect(splitter.oversizeNalCount).toBe(0);
      }
      // Tiny chunks put start codes across boundaries all the time.
      expect(splitAll(randomChunks(clip, mulberry32(99), 1, 7)), `${name} tiny chunks`).toEqual(expected);
    }
  });

  it('returns a NAL unit wholly inside a chunk as a view and a spanning one as a copy that later pushes do not touch', () => {
    const splitter = new AnnexBSplitter();
    const chunk1 = hex('00 00 01 65 88 00 00 01 41 9a');
    const [inside] = splitter.push(chunk1);
    expect(inside!.buffer).toBe(chunk1.buffer);
    const [spanning] = splitter.push(hex('9b 00 00 01 41 77'));
    expect(toHex(spanning!)).toBe('419a9b');
    expect(spanning!.buffer).not.toBe(chunk1.buffer);
    // The splitter's internal buffer is reused for the next pending NAL unit.
    splitter.push(hex('66 66 66 66'));
    expect(splitter.flush().map(toHex)).toEqual(['417766666666']);
    expect(toHex(spanning!)).toBe('419a9b');
  });

  it('keeps the last NAL unit pending until the next start code or flush()', () => {
    const splitter = new AnnexBSplitter();
    expect(splitter.push(hex('00 00 00 01 65 88 84'))).toEqual([]);
    expect(splitter.pendingBytes).toBe(3);
    expect(splitter.flush().map(toHex)).toEqual(['658884']);
    expect(splitter.flush()).toEqual([]);
    expect(splitter.push(hex('00 00 00 01 41 9a')).map(toHex)).toEqual([]);
    expect(splitter.flush().map(toHex)).toEqual(['419a']);
  });

  it('holds back trailing zeros on flush: a start code split by the flush still resyncs', () => {
    const splitter = new AnnexBSplitter();
    splitter.push(hex('00 00 01 65 88 00 00'));
    expect(splitter.flush().map(toHex)).toEqual(['6588']);
    expect(splitter.push(hex('01 41 9a 00 00 01')).map(toHex)).toEqual(['419a']);
    expect(splitter.droppedBytes).toBe(0);
  });

  it('a flush right after a start code does not lose the next NAL unit', () => {
    const splitter = new AnnexBSplitter();
    splitter.push(hex('00 00 00 01'));
    expect(splitter.flush()).toEqual([]);
    splitter.push(hex('65 88'));
    expect(splitter.flush().map(toHex)).toEqual(['6588']);
  });

  it('counts dropped bytes exactly for every 2-way split of zero-heavy random buffers with a small limit', () => {
    const rand = mulberry32(8);
    for (let i = 0; i < 60; i++) {
      const data = randomBytes(rand, 48).map((b) => (b < 180 ? b % 3 : b));
      const ref = referenceSplit(data);
      const expected = ref.filter((n) => n.length <= 6).map(toHex);
      const dropped = referenceLeadingGarbage(data) + ref.filter((n) => n.length > 6).reduce((sum, n) => sum + n.length, 0);
      for (let cut = 0; cut <= data.length; cut++) {
        const splitter = new AnnexBSplitter({ maxNalBytes: 6 });
        expect(splitAll([data.subarray(0, cut), data.subarray(cut)], splitter), `sample ${i} cut ${cut}`).toEqual(expected);
        expect(splitter.droppedBytes, `sample ${i} cut ${cut}`).toBe(dropped);
      }
    }
  });

  it('counts bytes before the first start code as dropped, not the start code itself', () => {
    const splitter = new AnnexBSplitter();
    splitter.push(hex('aa bb 00'));
    splitter.push(hex('00 00'));
    expect(splitter.push(hex('01 65 88 00 00 01 41')).map(toHex)).toEqual(['6588']);
    expect(splitter.droppedBytes).toBe(2);
  });

  it('drops a NAL unit larger than maxNalBytes, counts it and resyncs at the next start code', () => {
    const big = new Uint8Array(500).fill(0x5a);
    big[0] = 0x65;
    const buf = concat(hex('00 00 01 67 42'), hex('00 00 01'), big, hex('00 00 01 68 ce 00 00 01 41 9a'));
    const expected = ['6742', '68ce', '419a'];
    for (const chunkSize of [1, 7, 64, 100, 101, 499, 1000]) {
      const splitter = new AnnexBSplitter({ maxNalBytes: 100 });
      const chunks = randomChunks(buf, () => 0.999999, chunkSize, chunkSize);
      expect(splitAll(chunks, splitter), `chunk ${chunkSize}`).toEqual(expected);
      expect(splitter.oversizeNalCount).toBe(1);
      expect(splitter.droppedBytes).toBe(500);
    }
  });

  it('drops an oversize NAL unit at flush time too', () => {
    const splitter = new AnnexBSplitter({ maxNalBytes: 4 });
    splitter.push(hex('00 00 01 65 01 02 03'));
    splitter.push(hex('04 05'));
    expect(splitter.flush()).toEqual([]);
    expect(splitter.oversizeNalCount).toBe(1);
    expect(splitter.pendingBytes).toBe(0);
  });

  it('never throws on garbage, matches splitNalUnits minus oversize NAL units, and keeps memory bounded', () => {
    const maxNalBytes = 4096;
    const rand = mulberry32(7);
    // Uniform bytes rarely contain a start code; mix in zero-heavy stretches so there are many.
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) {
      const bytes = randomBytes(rand, randomInt(rand, 1, 20_000));
      if (i % 2 === 0) for (let j = 0; j < bytes.length; j++) if (bytes[j]! < 160) bytes[j] = bytes[j]! < 100 ? 0 : 1;
      parts.push(bytes);
    }
    const garbage = concat(...parts);
    const expected = referenceSplit(garbage).filter((n) => n.length <= maxNalBytes).map(toHex);

    const splitter = new AnnexBSplitter({ maxNalBytes });
    // The assembler downstream must take whatever the splitter gives it, too.
    const assembler = new AccessUnitAssembler({ maxNalCount: 256 });
    const got: string[] = [];
    let accessUnits = 0;
    for (const chunk of randomChunks(garbage, rand, 1, 4096)) {
      for (const nal of splitter.push(chunk)) {
        expect(nal.length).toBeLessThanOrEqual(maxNalBytes);
        got.push(toHex(nal));
        accessUnits += assembler.push(nal).length;
      }
      expect(splitter.pendingBytes).toBeLessThanOrEqual(maxNalBytes);
      expect(splitter.retainedBytes).toBeLessThanOrEqual(maxNalBytes);
    }
    got.push(...splitter.flush().map(toHex));
    expect(got).toEqual(expected);
    const oversize = referenceSplit(garbage).filter((n) => n.length > maxNalBytes);
    expect(splitter.oversizeNalCount).toBe(oversize.length);
    expect(accessUnits).toBeGreaterThan(0);
    expect(oversize.length).toBeGreaterThan(0);
    // Every byte is accounted for: kept, dropped, or part of a start code / zero run.
    expect(splitter.droppedBytes).toBe(referenceLeadingGarbage(garbage) + oversize.reduce((sum, n) => sum + n.length, 0));
  });

  it('keeps memory bounded on an endless NAL unit without any start code', () => {
    const splitter = new AnnexBSplitter({ maxNalBytes: 10_000 });
    splitter.push(hex('00 00 01'));
    const chunk = new Uint8Array(4096).fill(0x77);
    for (let i = 0; i < 100; i++) {
      expect(splitter.push(chunk)).toEqual([]);
      expect(splitter.retainedBytes).toBeLessThanOrEqual(10_000);
    }
    expect(splitter.oversizeNalCount).toBe(1);
    expect(splitter.droppedBytes).toBe(100 * 4096);
  });

  it('reset() forgets the pending NAL unit and the counters', () => {
    const splitter = new AnnexBSplitter();
    splitter.push(hex('ff 00 00 01 65 88'));
    splitter.reset();
    expect(splitter.pendingBytes).toBe(0);
    expect(splitter.droppedBytes).toBe(0);
    expect(splitter.push(hex('41 9a 00 00 01 09 f0'))).toEqual([]);
    expect(splitter.flush().map(toHex)).toEqual(['09f0']);
  });

  it('validates maxNalBytes and defaults it to 8 MiB', () => {
    expect(DEFAULT_MAX_NAL_BYTES).toBe(8 * 1024 * 1024);
    expect(() => new AnnexBSplitter({ maxNalBytes: 0 })).toThrow(RangeError);
    expect(() => new AnnexBSplitter({ maxNalBytes: 1.5 })).toThrow(RangeError);
  });
});
