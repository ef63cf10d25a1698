import { describe, expect, it } from 'vitest';
import type { AccessUnit } from '../../src/h264/types.js';
import { MEDIA_HEADER_BYTES, MediaFlags, MediaKind } from '../../src/protocol/media-frame.js';
import { decodeMediaFrame, encodeMediaFrame, MediaFrameError, splitAvcc } from '../../src/protocol/media-frame-codec.js';
import { hex, toHex } from '../support/hex.js';

const KEY_AU: AccessUnit = {
  nalus: [hex('67 42 c0 1e'), hex('68 ce 3c 80'), hex('65 88 84 00 03 01')],
  key: true,
  dts: 900_000_123,
  pts: 900_003_126,
  duration: 3003,
  captureTimeMs: 1_700_000_000_123.5,
};

function mediaFrameErrorOf(fn: () => unknown): MediaFrameError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MediaFrameError);
    expect((err as MediaFrameError).code).toBe('PROTO_ERR_MEDIA_FRAME');
    return err as MediaFrameError;
  }
  throw new Error('expected a MediaFrameError');
}

describe('media frame codec', () => {
  it('round-trips an access unit: header fields, flags and AVCC payload', () => {
    const bytes = encodeMediaFrame(KEY_AU, { sequence: 42, sendTimeMs: 1_700_000_000_130.25 });
    expect(bytes.length).toBe(MEDIA_HEADER_BYTES + 4 * 3 + 4 + 4 + 6);
    const frame = decodeMediaFrame(bytes.buffer as ArrayBuffer);
    expect(frame).toMatchObject({
      kind: MediaKind.H264_ACCESS_UNIT,
      flags: MediaFlags.KEY | MediaFlags.CONFIG,
      sequence: 42,
      dts: KEY_AU.dts,
      pts: KEY_AU.pts,
      duration: 3003,
      captureTimeMs: KEY_AU.captureTimeMs,
      sendTimeMs: 1_700_000_000_130.25,
    });
    expect(splitAvcc(frame.payload).map(toHex)).toEqual(KEY_AU.nalus.map(toHex));
  });

  it('sets only the flags that apply and decodes from a Uint8Array view at an offset', () => {
    const au: AccessUnit = { ...KEY_AU, key: false, nalus: [hex('41 9a')], pts: KEY_AU.dts };
    const bytes = encodeMediaFrame(au, { sequence: 2 ** 32 + 7, discontinuity: true });
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 5);
    const frame = decodeMediaFrame(padded.subarray(5));
    expect(frame.flags).toBe(MediaFlags.DISCONTINUITY);
    expect(frame.sequence).toBe(7); // u32 on the wire
    expect(frame.pts).toBe(frame.dts);
    // The payload is a view into the received buffer (no copy).
    expect(frame.payload.buffer).toBe(padded.buffer);
    expect(splitAvcc(frame.payload).map(toHex)).toEqual(['419a']);
  });

  it('flags a recovery point (intra refresh, no IDR) KEY like an IDR', () => {
    const nalus = [hex('67 42 c0 1e'), hex('68 ce 3c 80'), hex('06 06 02 09 c4 80'), hex('41 9a 02')];
    const rp = decodeMediaFrame(encodeMediaFrame({ ...KEY_AU, key: false, recoveryPoint: true, nalus }, { sequence: 3 }));
    expect(rp.flags).toBe(MediaFlags.KEY | MediaFlags.CONFIG);
    const plain = decodeMediaFrame(encodeMediaFrame({ ...KEY_AU, key: false, recoveryPoint: false, nalus: nalus.slice(3) }, { sequence: 4 }));
    expect(plain.flags).toBe(0);
  });

  it('throws MediaFrameError on truncated or unknown frames', () => {
    const bytes = encodeMediaFrame(KEY_AU, { sequence: 1 });
    mediaFrameErrorOf(() => decodeMediaFrame(bytes.subarray(0, MEDIA_HEADER_BYTES - 1)));
    mediaFrameErrorOf(() => decodeMediaFrame(new Uint8Array(0)));
    const unknownKind = bytes.slice();
    unknownKind[0] = 99;
    mediaFrameErrorOf(() => decodeMediaFrame(unknownKind));
    const badHeaderLength = bytes.slice();
    new DataView(badHeaderLength.buffer).setUint16(2, 8);
    mediaFrameErrorOf(() => decodeMediaFrame(badHeaderLength));
    new DataView(badHeaderLength.buffer).setUint16(2, bytes.length + 1);
    mediaFrameErrorOf(() => decodeMediaFrame(badHeaderLength));
  });

  it('skips header bytes it does not know (a longer header from a newer server)', () => {
    const bytes = encodeMediaFrame(KEY_AU, { sequence: 1 });
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes.subarray(0, MEDIA_HEADER_BYTES));
    longer.set(bytes.subarray(MEDIA_HEADER_BYTES), MEDIA_HEADER_BYTES + 8);
    new DataView(longer.buffer).setUint16(2, MEDIA_HEADER_BYTES + 8);
    expect(splitAvcc(decodeMediaFrame(longer).payload).map(toHex)).toEqual(KEY_AU.nalus.map(toHex));
  });

  it('splitAvcc throws MediaFrameError when a length overruns or is cut off', () => {
    expect(mediaFrameErrorOf(() => splitAvcc(hex('00 00 00 05 41 9a'))).message).toMatch(/overruns/);
    mediaFrameErrorOf(() => splitAvcc(hex('00 00 00 02 41 9a 00 00')));
    mediaFrameErrorOf(() => splitAvcc(hex('00 00 00 00')));
    expect(splitAvcc(new Uint8Array(0))).toEqual([]);
  });
});
