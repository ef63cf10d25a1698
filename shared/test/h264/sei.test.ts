import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessUnitAssembler } from '../../src/h264/access-unit.js';
import { splitNalUnits } from '../../src/h264/annexb.js';
import { nalType, NalType } from '../../src/h264/nal-types.js';
import {
  findRecoveryPoint,
  isRecoveryPointSei,
  parseRecoveryPoint,
  parseSeiMessages,
  SEI_RECOVERY_POINT,
  withRecoveryFrameCntZero,
} from '../../src/h264/sei.js';
import type { RawAccessUnit } from '../../src/h264/types.js';
import { addEmulationPrevention, BitWriter } from '../support/bit-writer.js';
import { ffmpeg, makeTempDir, readFile } from '../support/fixtures.js';
import { h264ErrorCode } from '../support/h264-error.js';
import { hex } from '../support/hex.js';

/** payloadType / payloadSize as 7.3.2.3.1 codes them: 0xFF per 255, then the rest. */
function sizeCode(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 255) {
    out.push(0xff);
    v -= 255;
  }
  out.push(v);
  return out;
}

/** An SEI NAL unit (header 0x06) holding `messages`, with trailing bits and emulation prevention. */
function seiNal(messages: { type: number; payload: Uint8Array }[]): Uint8Array {
  const rbsp: number[] = [];
  for (const m of messages) rbsp.push(...sizeCode(m.type), ...sizeCode(m.payload.length), ...m.payload);
  rbsp.push(0x80); // rbsp_trailing_bits
  return Uint8Array.from([0x06, ...addEmulationPrevention(Uint8Array.from(rbsp))]);
}

function recoveryPayload(cnt: number, exact = true, broken = false, idc = 0): Uint8Array {
  // D.1.8 fields, then payload alignment: a 1 bit and zeros (D.1.1 bit_equal_to_one).
  const w = new BitWriter().ue(cnt).flag(exact).flag(broken).u(2, idc);
  return w.trailing().bytes();
}

describe('parseSeiMessages (H.264 7.3.2.3)', () => {
  it('reads x264 recovery point SEI bytes: recovery_frame_cnt 18, exact match', () => {
    // Taken from x264 -intra-refresh 1 on 320x240: 06 | type 6, size 2, 09 c4 | 80.
    const nal = hex('06 06 02 09 c4 80');
    expect(parseSeiMessages(nal)).toEqual([{ payloadType: 6, payload: hex('09 c4') }]);
    expect(findRecoveryPoint(nal)).toEqual({ recoveryFrameCnt: 18, exactMatch: true, brokenLink: false, changingSliceGroupIdc: 0 });
    expect(isRecoveryPointSei(nal)).toBe(true);
  });

  it('reads several messages per NAL unit and finds the recovery point after others', () => {
    const userData = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
    const nal = seiNal([
      { type: 5, payload: userData },
      { type: 1, payload: hex('12 34') },
      { type: SEI_RECOVERY_POINT, payload: recoveryPayload(29, false, true, 2) },
    ]);
    const messages = parseSeiMessages(nal);
    expect(messages.map((m) => m.payloadType)).toEqual([5, 1, 6]);
    expect(messages[0]!.payload).toEqual(userData); // 0xFF-extended size (300 = ff 2d), 00 00 03 removed
    expect(findRecoveryPoint(nal)).toEqual({ recoveryFrameCnt: 29, exactMatch: false, brokenLink: true, changingSliceGroupIdc: 2 });
  });

  it('decodes 0xFF-extended payload types and removes emulation prevention inside payloads', () => {
    const payload = hex('00 00 01 00 00 00 02');
    const nal = seiNal([{ type: 600, payload }]);
    expect(Array.from(nal)).toContain(3); // emulation prevention was inserted...
    expect(parseSeiMessages(nal)).toEqual([{ payloadType: 600, payload }]); // ...and is gone again
    expect(findRecoveryPoint(nal)).toBeNull();
    expect(isRecoveryPointSei(nal)).toBe(false);
  });

  it('recovery_frame_cnt with a long Exp-Golomb code', () => {
    const nal = seiNal([{ type: 6, payload: recoveryPayload(1000) }]);
    expect(findRecoveryPoint(nal)?.recoveryFrameCnt).toBe(1000);
  });

  it('an SEI without messages (only trailing bits) has none', () => {
    expect(parseSeiMessages(hex('06 80'))).toEqual([]);
    expect(parseSeiMessages(hex('06 80 00 00'))).toEqual([]); // trailing cabac_zero_words style zeros
  });

  it.each([
    ['not an SEI', '41 9a 02'],
    ['empty', ''],
    ['payloadType cut off by the end', '06 ff ff 80'],
    ['payloadSize missing', '06 06 80'],
    ['payloadSize cut off by the end', '06 06 ff 80'],
    ['payload longer than the NAL unit', '06 06 05 09 c4 80'],
  ])('throws H264_ERR_BAD_SEI: %s', (_, bytes) => {
    expect(h264ErrorCode(() => parseSeiMessages(hex(bytes)))).toBe('H264_ERR_BAD_SEI');
    expect(isRecoveryPointSei(hex(bytes))).toBe(false);
  });

  it('a recovery point payload too short for its fields throws H264_ERR_BAD_SEI', () => {
    expect(h264ErrorCode(() => parseRecoveryPoint(hex('00')))).toBe('H264_ERR_BAD_SEI');
    expect(h264ErrorCode(() => findRecoveryPoint(hex('06 06 01 09 80')))).toBe('H264_ERR_BAD_SEI');
    expect(isRecoveryPointSei(hex('06 06 01 09 80'))).toBe(false);
  });
});

describe('withRecoveryFrameCntZero (an intra refresh start point Chromium accepts as a keyframe)', () => {
  it('rewrites x264\'s recovery point to recovery_frame_cnt 0, approximate match', () => {
    const out = withRecoveryFrameCntZero(hex('06 06 02 09 c4 80'));
    expect(findRecoveryPoint(out)).toEqual({ recoveryFrameCnt: 0, exactMatch: false, brokenLink: false, changingSliceGroupIdc: 0 });
    expect(Array.from(out)).toEqual([0x06, 0x06, 0x01, 0x84, 0x80]);
  });

  it('keeps the other messages, broken_link_flag and changing_slice_group_idc, re-inserting emulation prevention', () => {
    const userData = hex('00 00 01 00 00 00 ff');
    const nal = seiNal([{ type: 5, payload: userData }, { type: 6, payload: recoveryPayload(77, true, true, 3) }, { type: 1, payload: hex('00 00') }]);
    const out = withRecoveryFrameCntZero(nal);
    const messages = parseSeiMessages(out);
    expect(messages.map((m) => m.payloadType)).toEqual([5, 6, 1]);
    expect(messages[0]!.payload).toEqual(userData);
    expect(messages[2]!.payload).toEqual(hex('00 00'));
    expect(findRecoveryPoint(out)).toEqual({ recoveryFrameCnt: 0, exactMatch: false, brokenLink: true, changingSliceGroupIdc: 3 });
    // No 00 00 0x (x <= 3) left unescaped in the NAL unit payload (7.4.1).
    // Byte for byte what the test's own writer gives (emulation prevention included, 7.4.1):
    // ue(0) '1', exact_match 0, broken_link 1, idc '11', alignment '100'.
    expect(out).toEqual(seiNal([{ type: 5, payload: userData }, { type: 6, payload: Uint8Array.of(0b1011_1100) }, { type: 1, payload: hex('00 00') }]));
  });

  it.each([
    ['a slice', '41 9a 02'],
    ['an SEI without recovery point', '06 05 01 80'],
    ['a recovery point already at 0', '06 06 01 84 80'],
    ['a malformed SEI', '06 06 05 09 c4 80'],
  ])('returns %s unchanged (the same array)', (_, bytes) => {
    const nal = hex(bytes);
    expect(withRecoveryFrameCntZero(nal)).toBe(nal);
  });
});

describe('AccessUnitAssembler: recovery points', () => {
  const SPS = hex('67 42 c0 1e');
  const PPS = hex('68 ce 3c 80');
  const RP = seiNal([{ type: SEI_RECOVERY_POINT, payload: recoveryPayload(10) }]);
  const OTHER_SEI = seiNal([{ type: 5, payload: hex('01 02 03') }]);
  const P_FIRST = hex('41 9a 02');
  const P_NEXT = hex('41 4a 02');

  it('flags the access unit whose SEI carries a recovery point, only that one', () => {
    const a = new AccessUnitAssembler();
    const out: RawAccessUnit[] = [];
    for (const nal of [OTHER_SEI, P_FIRST, P_NEXT, SPS, PPS, RP, P_FIRST, P_NEXT, P_FIRST, RP]) out.push(...a.push(nal));
    out.push(...a.push(P_FIRST));
    out.push(a.flush()!);
    expect(out.map((au) => [au.key, au.recoveryPoint])).toEqual([[false, false], [false, true], [false, false], [false, true]]);
    expect(out[1]!.nalus.map(nalType)).toEqual([NalType.SPS, NalType.PPS, NalType.SEI, 1, 1]);
  });

  it('a malformed SEI does not flag the picture, and reset() clears a pending flag', () => {
    const a = new AccessUnitAssembler();
    a.push(hex('06 06 05 09 c4 80'));
    a.push(P_FIRST);
    expect(a.flush()?.recoveryPoint).toBe(false);
    a.push(RP);
    a.reset();
    a.push(P_FIRST);
    expect(a.flush()?.recoveryPoint).toBe(false);
  });

  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('x264 -intra-refresh 1: one IDR, then a recovery point at every refresh cycle', () => {
    const file = join(tmp.dir, 'ir.h264');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-frames:v', '95', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-intra-refresh', '1', '-pix_fmt', 'yuv420p', '-f', 'h264', file]);
    const a = new AccessUnitAssembler();
    const aus: RawAccessUnit[] = [];
    for (const nal of splitNalUnits(readFile(file))) aus.push(...a.push(nal));
    aus.push(a.flush()!);
    expect(aus).toHaveLength(95);
    expect(aus.flatMap((au, i) => (au.key ? [i] : []))).toEqual([0]);
    expect(aus.flatMap((au, i) => (au.recoveryPoint ? [i] : []))).toEqual([30, 60, 90]);
    const sei = aus[30]!.nalus.find((n) => nalType(n) === NalType.SEI)!;
    const rp = findRecoveryPoint(sei)!;
    // x264 refreshes one column of macroblocks per frame: the picture is whole again within a cycle.
    expect(rp.recoveryFrameCnt).toBeGreaterThan(0);
    expect(rp.recoveryFrameCnt).toBeLessThanOrEqual(30);
  });
});
