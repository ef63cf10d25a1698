import type { AccessUnit } from '../h264/types.js';
import { MEDIA_HEADER_BYTES, MediaFlags, MediaKind, type MediaFrame } from './media-frame.js';

const NAL_SPS = 7;
const NAL_PPS = 8;

export class MediaFrameError extends Error {
  readonly code = 'PROTO_ERR_MEDIA_FRAME';
}

export interface EncodeOptions {
  sequence: number;
  discontinuity?: boolean;
  sendTimeMs?: number;
}

/**
 * Encodes one access unit into one binary message: a single allocation, NAL units written as
 * AVCC so the player's remuxer can put them into mdat without rewriting them.
 */
export function encodeMediaFrame(au: AccessUnit, options: EncodeOptions): Uint8Array {
  let payloadBytes = 0;
  let config = false;
  for (const nal of au.nalus) {
    payloadBytes += 4 + nal.byteLength;
    const type = (nal[0] ?? 0) & 0x1f;
    if (type === NAL_SPS || type === NAL_PPS) config = true;
  }
  const out = new Uint8Array(MEDIA_HEADER_BYTES + payloadBytes);
  const view = new DataView(out.buffer);
  let flags = 0;
  // A recovery point is a start point like an IDR (D.2.8): the player marks it a sync sample.
  if (au.key || au.recoveryPoint) flags |= MediaFlags.KEY;
  if (config) flags |= MediaFlags.CONFIG;
  if (options.discontinuity) flags |= MediaFlags.DISCONTINUITY;
  view.setUint8(0, MediaKind.H264_ACCESS_UNIT);
  view.setUint8(1, flags);
  view.setUint16(2, MEDIA_HEADER_BYTES);
  view.setUint32(4, options.sequence >>> 0);
  view.setFloat64(8, au.dts);
  view.setInt32(16, au.pts - au.dts);
  view.setUint32(20, Math.max(0, Math.round(au.duration)));
  view.setFloat64(24, au.captureTimeMs);
  view.setFloat64(32, options.sendTimeMs ?? Date.now());
  let offset = MEDIA_HEADER_BYTES;
  for (const nal of au.nalus) {
    view.setUint32(offset, nal.byteLength);
    out.set(nal, offset + 4);
    offset += 4 + nal.byteLength;
  }
  return out;
}

/** Decodes a binary message; throws MediaFrameError on a truncated or unknown frame. */
export function decodeMediaFrame(data: ArrayBuffer | Uint8Array): MediaFrame {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < MEDIA_HEADER_BYTES) {
    throw new MediaFrameError(`media frame too short: ${bytes.byteLength} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  if (kind !== MediaKind.H264_ACCESS_UNIT) throw new MediaFrameError(`unknown media kind ${kind}`);
  const headerBytes = view.getUint16(2);
  if (headerBytes < MEDIA_HEADER_BYTES || headerBytes > bytes.byteLength) {
    throw new MediaFrameError(`bad media header length ${headerBytes}`);
  }
  const dts = view.getFloat64(8);
  return {
    kind,
    flags: view.getUint8(1),
    sequence: view.getUint32(4),
    dts,
    pts: dts + view.getInt32(16),
    duration: view.getUint32(20),
    captureTimeMs: view.getFloat64(24),
    sendTimeMs: view.getFloat64(32),
    payload: bytes.subarray(headerBytes),
  };
}

/** Splits an AVCC payload into NAL unit views (no copies). Throws MediaFrameError if a length overruns. */
export function splitAvcc(payload: Uint8Array): Uint8Array[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const nalus: Uint8Array[] = [];
  let offset = 0;
  while (offset < payload.byteLength) {
    if (offset + 4 > payload.byteLength) throw new MediaFrameError('truncated NAL length');
    const size = view.getUint32(offset);
    offset += 4;
    if (size === 0 || offset + size > payload.byteLength) throw new MediaFrameError(`NAL length ${size} overruns frame`);
    nalus.push(payload.subarray(offset, offset + size));
    offset += size;
  }
  return nalus;
}
