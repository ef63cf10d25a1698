/// <reference types="node" />
/**
 * Builds WS media frames from a fixture clip, the way the server sends them: one access unit per
 * frame, AVCC payload, 90 kHz timestamps. Splitting and access-unit assembly use the shared
 * H.264 code (shared/src/h264), the same the server's ingest uses.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AccessUnitAssembler, decodeMediaFrame, encodeMediaFrame, splitNalUnits, type MediaFrame } from '@framewire/shared';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** NAL units of an Annex-B buffer (start codes stripped). */
export const splitAnnexB = (bytes: Uint8Array): Uint8Array[] => splitNalUnits(bytes);

/** Groups NAL units into access units (arrays of NAL units). */
export function accessUnits(nalus: Uint8Array[]): Uint8Array[][] {
  const assembler = new AccessUnitAssembler();
  const aus: Uint8Array[][] = [];
  for (const nal of nalus) for (const au of assembler.push(nal)) aus.push(au.nalus);
  const last = assembler.flush();
  if (last) aus.push(last.nalus);
  return aus;
}

/** Media frames for a clip: dts starts at `startDts` (an arbitrary server epoch), `duration` ticks apart. */
export function fixtureFrames(name: string, opts: { startDts?: number; duration?: number } = {}): MediaFrame[] {
  const bytes = new Uint8Array(readFileSync(FIXTURES + name));
  const duration = opts.duration ?? 3000;
  const start = opts.startDts ?? 123_456_789;
  return accessUnits(splitAnnexB(bytes)).map((nalus, i) => {
    const key = nalus.some((n) => (n[0]! & 0x1f) === 5);
    const dts = start + i * duration;
    const encoded = encodeMediaFrame(
      { nalus, key, dts, pts: dts, duration, captureTimeMs: 1_700_000_000_000 + i * 33.3 },
      { sequence: i },
    );
    return decodeMediaFrame(encoded);
  });
}
