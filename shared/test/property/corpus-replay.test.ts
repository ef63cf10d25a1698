/**
 * Property 5 (issue 3): every saved case in fixtures/corpus goes through splitter → assembler →
 * parseSps: nothing throws except parseSps's H264Error, and whole, byte-at-a-time and randomly
 * chunked feeds give the same access units. (player/test/property/corpus-replay.test.ts adds the
 * remuxer.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H264Error } from '../../src/h264/errors.js';
import { parseSps } from '../../src/h264/sps.js';
import { readCorpus } from './corpus.js';
import { auShape, cutAt, cutsArb, params, runPipeline } from './pipeline.js';

describe('corpus replay (fixtures/corpus): splitter → assembler → parseSps', () => {
  const corpus = readCorpus();

  it('has cases', () => {
    expect(corpus.length).toBeGreaterThan(0);
  });

  for (const { name, bytes } of corpus) {
    it(name, () => {
      const sps: Uint8Array[] = [];
      const whole = runPipeline([bytes], { onNal: (n) => ((n[0] ?? 0) & 0x1f) === 7 && sps.push(n) });
      for (const nal of sps) {
        try {
          const info = parseSps(nal);
          expect(info.width).toBeGreaterThan(0);
          expect(info.height).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(H264Error);
        }
      }
      const shape = auShape(whole);
      expect(auShape(runPipeline(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))))).toEqual(shape);
      fc.assert(
        fc.property(cutsArb(32), (cuts) => {
          expect(auShape(runPipeline(cutAt(bytes, cuts)))).toEqual(shape);
        }),
        params(20),
      );
    });
  }
});
