/// <reference types="node" />
/**
 * Property 5 (issue 3): every saved case in fixtures/corpus through the whole viewer-side path:
 * splitter → assembler → parseSps → (from the first key access unit on) the remuxer, as AVCC media
 * frames. Allowed throws: H264Error from parseSps, and from remuxer.push only when the access
 * unit's own SPS is one parseSps rejects. Nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AccessUnitAssembler,
  AnnexBSplitter,
  H264Error,
  MediaFlags,
  parseSps,
  toLengthPrefixed,
  type RawAccessUnit,
} from '@framewire/shared';
import { Fmp4Remuxer } from '../../src/remux/fmp4-remuxer.js';
import { FIXTURES } from '../helpers/fixture-frames.js';

const CORPUS = FIXTURES + 'corpus/';

function readCase(name: string): Uint8Array {
  const raw = readFileSync(CORPUS + name);
  if (name.endsWith('.h264')) return new Uint8Array(raw);
  const text = raw.toString('utf8').split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

const nalType = (n: Uint8Array): number => (n[0] ?? 0) & 0x1f;

function spsOk(nal: Uint8Array): boolean {
  try {
    parseSps(nal);
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(H264Error);
    return false;
  }
}

describe('corpus replay (fixtures/corpus): splitter → assembler → parseSps → remuxer', () => {
  const names = readdirSync(CORPUS).filter((f) => f.endsWith('.hex') || f.endsWith('.h264')).sort();

  it('has cases', () => {
    expect(names.length).toBeGreaterThan(0);
  });

  for (const name of names) {
    it(name, () => {
      const bytes = readCase(name);
      const splitter = new AnnexBSplitter();
      const assembler = new AccessUnitAssembler();
      const aus: RawAccessUnit[] = [];
      const nals = [...splitter.push(bytes), ...splitter.flush()];
      for (const nal of nals) aus.push(...assembler.push(nal));
      const last = assembler.flush();
      if (last) aus.push(last);

      const remuxer = new Fmp4Remuxer();
      let started = false;
      aus.forEach((au, i) => {
        const badSps = au.nalus.some((n) => nalType(n) === 7 && !spsOk(n));
        if (!started && !au.key) return;
        started = true;
        const dts = 90_000 + i * 3000;
        const frame = {
          flags: (au.key ? MediaFlags.KEY : 0) | (au.nalus.some((n) => nalType(n) === 7) ? MediaFlags.CONFIG : 0),
          sequence: i,
          dts,
          pts: dts,
          duration: 3000,
          captureTimeMs: 0,
          payload: toLengthPrefixed(au.nalus),
        };
        try {
          const r = remuxer.push(frame);
          if (typeof r !== 'string') expect(r.duration).toBeGreaterThan(0);
        } catch (err) {
          // Only a parameter set that parseSps itself rejects may make the remuxer throw.
          expect(err).toBeInstanceOf(H264Error);
          expect(badSps, `remuxer threw ${String(err)} on an AU whose SPS parses`).toBe(true);
        }
      });
    });
  }
});
