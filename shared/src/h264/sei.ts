import { H264Error } from './errors.js';
import { BitReader } from './exp-golomb.js';
import { NalType } from './nal-types.js';
import { addEmulationPrevention, removeEmulationPrevention } from './rbsp.js';

/** sei_message payloadType of recovery_point() (H.264 D.1.8 / Table D-1 ordering). */
export const SEI_RECOVERY_POINT = 6;

/** One sei_message (H.264 7.3.2.3.1): its type and its payload bytes (RBSP, no emulation prevention). */
export interface SeiMessage {
  payloadType: number;
  payload: Uint8Array;
}

/** recovery_point() (H.264 D.1.8 / D.2.8). */
export interface RecoveryPoint {
  /**
   * Frames (in output order) after this one until decoding started here gives pictures that
   * match (exact_match_flag) or approximately match a decode from the previous IDR.
   */
  recoveryFrameCnt: number;
  exactMatch: boolean;
  /** The pictures right after may show artefacts from a splice (D.2.8): still a start point. */
  brokenLink: boolean;
  changingSliceGroupIdc: number;
}

/**
 * The sei_message()s of one SEI NAL unit (header byte first, no start code), H.264 7.3.2.3.
 * payloadType and payloadSize are each a run of 0xFF bytes (255 each) plus a last byte below
 * 0xFF (7.4.2.3.1). The loop stops at the rbsp_trailing_bits (more_rbsp_data(), 7.2).
 *
 * Every iteration consumes at least two bytes, so the loop ends on any input. Throws
 * H264Error('H264_ERR_BAD_SEI') when the NAL unit is not an SEI or a message runs past the end.
 */
export function parseSeiMessages(nal: Uint8Array): SeiMessage[] {
  if (nal.length === 0 || (nal[0]! & 0x1f) !== NalType.SEI) {
    throw new H264Error('H264_ERR_BAD_SEI', `not an SEI NAL unit (header 0x${(nal[0] ?? 0).toString(16)})`);
  }
  const rbsp = removeEmulationPrevention(nal.subarray(1));
  const end = rbspEnd(rbsp);
  const messages: SeiMessage[] = [];
  let pos = 0;
  while (pos < end) {
    let payloadType = 0;
    while (pos < end && rbsp[pos] === 0xff) {
      payloadType += 255;
      pos++;
    }
    if (pos >= end) throw truncated('payloadType', pos);
    payloadType += rbsp[pos++]!;
    let payloadSize = 0;
    while (pos < end && rbsp[pos] === 0xff) {
      payloadSize += 255;
      pos++;
    }
    if (pos >= end) throw truncated('payloadSize', pos);
    payloadSize += rbsp[pos++]!;
    if (payloadSize > end - pos) {
      throw new H264Error('H264_ERR_BAD_SEI', `SEI payload type ${payloadType} of ${payloadSize} bytes runs past the end (${end - pos} left)`);
    }
    messages.push({ payloadType, payload: rbsp.subarray(pos, pos + payloadSize) });
    pos += payloadSize;
  }
  return messages;
}

/**
 * recovery_point() from its payload (D.1.8). A payload may carry reserved bits beyond these
 * fields (D.2.1 lets decoders ignore them), so only too few bits is an error.
 */
export function parseRecoveryPoint(payload: Uint8Array): RecoveryPoint {
  try {
    const r = new BitReader(payload);
    const recoveryFrameCnt = r.readUE();
    const exactMatch = r.readBit() === 1;
    const brokenLink = r.readBit() === 1;
    const changingSliceGroupIdc = r.readBits(2);
    return { recoveryFrameCnt, exactMatch, brokenLink, changingSliceGroupIdc };
  } catch (err) {
    if (!(err instanceof H264Error)) throw err;
    throw new H264Error('H264_ERR_BAD_SEI', `malformed recovery_point SEI: ${err.message}`);
  }
}

/** The recovery point an SEI NAL unit carries, or null. Throws H264Error on a malformed SEI. */
export function findRecoveryPoint(nal: Uint8Array): RecoveryPoint | null {
  for (const message of parseSeiMessages(nal)) {
    if (message.payloadType === SEI_RECOVERY_POINT) return parseRecoveryPoint(message.payload);
  }
  return null;
}

/**
 * True when `nal` is an SEI NAL unit carrying a recovery point: the picture it precedes is a
 * random access point (D.2.8) even without an IDR, which is how periodic intra refresh streams
 * (x264 --intra-refresh) mark where a decoder may start. A malformed SEI counts as none: it
 * cannot be trusted to mark a start point, and the pictures still decode.
 */
export function isRecoveryPointSei(nal: Uint8Array): boolean {
  if (nal.length === 0 || (nal[0]! & 0x1f) !== NalType.SEI) return false;
  try {
    return findRecoveryPoint(nal) !== null;
  } catch (err) {
    if (err instanceof H264Error) return false;
    throw err;
  }
}

/**
 * Where the sei_messages end: before the byte holding the rbsp_stop_one_bit (7.3.2.11), so a
 * trailing 0x80 is not read as a message. Trailing zero bytes are skipped. Every sei_message
 * ends byte aligned, so the stop bit sits alone in the last non-zero byte of a valid SEI; in a
 * malformed one whatever precedes that byte is still parsed (and then fails the size checks).
 */
function rbspEnd(rbsp: Uint8Array): number {
  let last = rbsp.length - 1;
  while (last >= 0 && rbsp[last] === 0) last--;
  return Math.max(0, last);
}

function truncated(field: string, pos: number): H264Error {
  return new H264Error('H264_ERR_BAD_SEI', `SEI NAL unit ends inside ${field} at byte ${pos}`);
}

/**
 * `nal` with every recovery_point() rewritten to recovery_frame_cnt 0 (and exact_match_flag 0),
 * or `nal` itself when it is no SEI, is malformed, or has no recovery point with a count > 0.
 *
 * Why: Chromium's MSE decides whether an H.264 sample is a keyframe from its bitstream, not from
 * the container's sync flag, and counts a recovery point SEI only when recovery_frame_cnt is 0
 * (media/formats/mp4/avc.cc, AVC::AnalyzeAnnexB). An intra refresh start point (x264 writes a
 * count of about one refresh cycle) would be dropped as "not a keyframe" until an IDR that never
 * comes. With a count of 0 the decoder starts there and shows the pictures while they refresh
 * (regions not refreshed yet are stale) instead of waiting recovery_frame_cnt frames (D.2.8).
 * exact_match_flag 0 says the match is approximate, which is what a viewer gets.
 */
export function withRecoveryFrameCntZero(nal: Uint8Array): Uint8Array {
  if (nal.length === 0 || (nal[0]! & 0x1f) !== NalType.SEI) return nal;
  let messages: SeiMessage[];
  let changed = false;
  try {
    messages = parseSeiMessages(nal).map((m) => {
      if (m.payloadType !== SEI_RECOVERY_POINT) return m;
      const rp = parseRecoveryPoint(m.payload);
      if (rp.recoveryFrameCnt === 0) return m;
      changed = true;
      // ue(v) 0 = '1', exact_match_flag 0, broken_link_flag, changing_slice_group_idc u(2), then
      // the payload alignment '1' + zeros (D.1.1): exactly one byte.
      const byte = 0x80 | ((rp.brokenLink ? 1 : 0) << 5) | ((rp.changingSliceGroupIdc & 3) << 3) | 0x04;
      return { payloadType: m.payloadType, payload: Uint8Array.of(byte) };
    });
  } catch (err) {
    if (err instanceof H264Error) return nal;
    throw err;
  }
  if (!changed) return nal;
  return serializeSei(nal[0]!, messages);
}

/** SEI NAL unit from its header byte and messages: 7.3.2.3 coding, trailing bits, emulation prevention. */
function serializeSei(header: number, messages: readonly SeiMessage[]): Uint8Array {
  const rbsp: number[] = [];
  const code = (value: number): void => {
    let v = value;
    for (; v >= 255; v -= 255) rbsp.push(0xff);
    rbsp.push(v);
  };
  for (const m of messages) {
    code(m.payloadType);
    code(m.payload.length);
    for (const b of m.payload) rbsp.push(b);
  }
  rbsp.push(0x80); // rbsp_trailing_bits (7.3.2.11)
  const payload = addEmulationPrevention(Uint8Array.from(rbsp));
  const out = new Uint8Array(1 + payload.length);
  out[0] = header;
  out.set(payload, 1);
  return out;
}
