/**
 * Property 1 (issue 3): chunking invariance. However the byte stream is cut into chunks, the
 * splitter + assembler give exactly the access units (NAL bytes and key flags) of one whole push.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { FIXTURES, readFixture } from '../support/fixtures.js';
import { toHex } from '../support/hex.js';
import { referenceSplit } from '../support/reference-split.js';
import { annexBStreamArb, auShape, cutAt, cutsArb, params, runPipeline } from './pipeline.js';

describe('property: chunking invariance (splitter → assembler)', () => {
  const clips = [
    { name: FIXTURES.noaud, runs: 60 },
    { name: FIXTURES.aud, runs: 60 },
    { name: FIXTURES.demo, runs: 15 },
  ];
  for (const { name, runs } of clips) {
    it(`${name}: any chunking gives the access units of one push (numRuns ${runs})`, () => {
      const clip = readFixture(name);
      const whole = auShape(runPipeline([clip]));
      expect(whole.length).toBeGreaterThan(0);
      // Cut points over the whole clip, plus dense runs near NAL boundaries (where bugs live).
      const cuts = fc.array(fc.integer({ min: 1, max: clip.length - 1 }), { maxLength: 200 });
      fc.assert(
        fc.property(cuts, cutsArb(32), (coarse, fine) => {
          const chunks = cutAt(clip, [...coarse, ...fine]);
          expect(auShape(runPipeline(chunks))).toEqual(whole);
        }),
        params(runs),
      );
    });
  }

  it('generated Annex-B streams: NAL units are recovered exactly, under any chunking (numRuns 300)', () => {
    fc.assert(
      fc.property(annexBStreamArb, cutsArb(64), ({ nalus, stream }, cuts) => {
        const expected = nalus.map(toHex);
        // The one-shot splitters agree with the generator...
        expect(splitNalUnits(stream).map(toHex)).toEqual(expected);
        expect(referenceSplit(stream).map(toHex)).toEqual(expected);
        // ...and the streaming pipeline gives the same access units whole and chunked.
        const nalsSeen: string[] = [];
        const whole = auShape(runPipeline([stream], { onNal: (n) => nalsSeen.push(toHex(n)) }));
        expect(nalsSeen).toEqual(expected);
        expect(auShape(runPipeline(cutAt(stream, cuts)))).toEqual(whole);
        // Byte-at-a-time is the extreme chunking.
        const bytes = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
        expect(auShape(runPipeline(bytes))).toEqual(whole);
      }),
      params(300),
    );
  });
});
