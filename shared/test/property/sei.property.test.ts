/**
 * Property (issue 3, intra refresh): the SEI parser on arbitrary bytes terminates and throws
 * nothing but H264Error; isRecoveryPointSei never throws; well-formed SEI NAL units built from
 * arbitrary messages parse back to exactly those messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H264Error } from '../../src/h264/errors.js';
import { findRecoveryPoint, isRecoveryPointSei, parseSeiMessages } from '../../src/h264/sei.js';
import { addEmulationPrevention } from '../support/bit-writer.js';
import { toHex } from '../support/hex.js';
import { params } from './pipeline.js';

/** Random bytes behind an SEI header (or any header byte), so the message loop itself is exercised. */
const nalArb = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0x06, ...b])),
  fc.uint8Array({ maxLength: 600 }).map((b) => Uint8Array.from([0x06, ...b])),
  // Runs of 0xFF stress the extended payloadType/payloadSize coding.
  fc.array(fc.constantFrom(0xff, 0x00, 0x03, 0x06, 0x80, 0x01), { maxLength: 300 }).map((b) => Uint8Array.from([0x06, ...b])),
  fc.uint8Array({ maxLength: 64 }),
);

const code = (value: number): number[] => [...Array<number>(Math.floor(value / 255)).fill(0xff), value % 255];

describe('property: SEI parsing', () => {
  it('random bytes: returns or throws H264Error, nothing else (numRuns 3000)', () => {
    fc.assert(
      fc.property(nalArb, (nal) => {
        for (const fn of [() => parseSeiMessages(nal), () => findRecoveryPoint(nal)]) {
          try {
            fn();
          } catch (err) {
            expect(err).toBeInstanceOf(H264Error);
          }
        }
        expect(typeof isRecoveryPointSei(nal)).toBe('boolean');
      }),
      params(3000),
    );
  });

  it('well-formed SEI NAL units parse back to their messages (numRuns 500)', () => {
    const messageArb = fc.record({ type: fc.integer({ min: 0, max: 1000 }), payload: fc.uint8Array({ minLength: 1, maxLength: 400 }) });
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 5 }), (messages) => {
        const rbsp = messages.flatMap((m) => [...code(m.type), ...code(m.payload.length), ...m.payload]);
        const nal = Uint8Array.from([0x06, ...addEmulationPrevention(Uint8Array.from([...rbsp, 0x80]))]);
        const parsed = parseSeiMessages(nal);
        expect(parsed.map((m) => [m.payloadType, toHex(m.payload)])).toEqual(messages.map((m) => [m.type, toHex(m.payload)]));
      }),
      params(500),
    );
  });
});
