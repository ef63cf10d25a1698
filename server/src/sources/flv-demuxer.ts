import {
  fromLengthPrefixed,
  H264Error,
  isRecoveryPointSei,
  NalType,
  nalType,
  parseAvcDecoderConfigurationRecord,
} from '@framewire/shared';
import { createError, ServerErrorCode } from '../errors.js';
import { withParameterSets } from '../utils/parameter-sets.js';

// FLV v10.1 (Adobe "Video File Format Specification"), Annex E.
const FLV_HEADER_BYTES = 9;
const TAG_HEADER_BYTES = 11;
const PREV_TAG_SIZE_BYTES = 4;
const TAG_VIDEO = 9;
const CODEC_AVC = 7;
const AVC_SEQUENCE_HEADER = 0;
const AVC_NALU = 1;

/** One FLV video tag = one complete access unit (ffmpeg's FLV muxer writes one packet per tag). */
export interface FlvVideoFrame {
  /** Tag timestamp (decode time), ms, 32 bits incl. the extended byte. */
  dtsMs: number;
  /** Signed 24-bit composition time offset, ms (pts = dts + cts). */
  ctsMs: number;
  /** Contains an IDR slice. */
  key: boolean;
  /** Carries a recovery point SEI (H.264 D.2.8): a start point without an IDR (intra refresh). */
  recoveryPoint: boolean;
  /**
   * NAL units without start codes; a key frame or recovery point carries SPS/PPS (prepended from
   * the sequence header if absent).
   */
  nalus: Uint8Array[];
}

export interface FlvDemuxerOptions {
  /** Larger tags mean a corrupt stream; bounds memory. */
  maxTagBytes: number;
  /** Non-fatal problems (bad AVC payload, unsupported codec): the tag is dropped. */
  onWarning?: (kind: string, message: string) => void;
}

const enum State {
  HEADER,
  HEADER_REST,
  PREV_TAG_SIZE,
  TAG_HEADER,
  TAG_BODY,
  FAILED,
}

/**
 * Incremental FLV demuxer: an explicit state machine over arbitrarily split reads (ws
 * lib/receiver.js style). It buffers at most one tag. push() returns the video frames completed
 * by this chunk; it throws ServerError SRV_ERR_FLV_INVALID on a stream it cannot resynchronise
 * (bad signature, oversized tag) and ignores all input after that.
 */
export class FlvDemuxer {
  private state = State.HEADER;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private needed = FLV_HEADER_BYTES;
  private tagType = 0;
  private tagTimestamp = 0;
  private sps: Uint8Array[] = [];
  private pps: Uint8Array[] = [];
  private lengthSize = 4;

  constructor(private readonly options: FlvDemuxerOptions) {}

  /** The latest SPS/PPS from an AVC sequence header. */
  get config(): { sps: Uint8Array[]; pps: Uint8Array[] } {
    return { sps: this.sps, pps: this.pps };
  }

  push(chunk: Uint8Array): FlvVideoFrame[] {
    if (this.state === State.FAILED || chunk.byteLength === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const out: FlvVideoFrame[] = [];
    while (this.buffered >= this.needed) {
      const bytes = this.consume(this.needed);
      this.step(bytes, out);
    }
    return out;
  }

  private step(bytes: Uint8Array, out: FlvVideoFrame[]): void {
    switch (this.state) {
      case State.HEADER: {
        if (bytes[0] !== 0x46 || bytes[1] !== 0x4c || bytes[2] !== 0x56) this.fail('not an FLV stream (no "FLV" signature)');
        const dataOffset = view(bytes).getUint32(5);
        if (dataOffset < FLV_HEADER_BYTES || dataOffset > 1024) this.fail(`bad FLV header size ${dataOffset}`);
        if (dataOffset > FLV_HEADER_BYTES) this.expect(State.HEADER_REST, dataOffset - FLV_HEADER_BYTES);
        else this.expect(State.PREV_TAG_SIZE, PREV_TAG_SIZE_BYTES);
        return;
      }
      case State.HEADER_REST:
        this.expect(State.PREV_TAG_SIZE, PREV_TAG_SIZE_BYTES);
        return;
      case State.PREV_TAG_SIZE:
        // PreviousTagSize is redundant for a forward reader; not checked.
        this.expect(State.TAG_HEADER, TAG_HEADER_BYTES);
        return;
      case State.TAG_HEADER: {
        this.tagType = bytes[0]! & 0x1f; // upper bits: reserved + filter (encryption)
        const dataSize = (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
        // Timestamp: 24 bits + TimestampExtended as the upper 8 bits (ms).
        this.tagTimestamp = ((bytes[7]! << 24) | (bytes[4]! << 16) | (bytes[5]! << 8) | bytes[6]!) >>> 0;
        if (dataSize > this.options.maxTagBytes) this.fail(`FLV tag of ${dataSize} bytes exceeds maxFlvTagBytes ${this.options.maxTagBytes}`);
        if (dataSize === 0) this.expect(State.PREV_TAG_SIZE, PREV_TAG_SIZE_BYTES);
        else this.expect(State.TAG_BODY, dataSize);
        return;
      }
      case State.TAG_BODY:
        if (this.tagType === TAG_VIDEO) this.videoTag(bytes, out);
        // Audio (8) and script data (18) are ignored: audio is later work.
        this.expect(State.PREV_TAG_SIZE, PREV_TAG_SIZE_BYTES);
        return;
      case State.FAILED:
        return;
    }
  }

  private videoTag(body: Uint8Array, out: FlvVideoFrame[]): void {
    const codecId = body[0]! & 0x0f;
    if ((body[0]! & 0x80) !== 0 || codecId !== CODEC_AVC) {
      this.options.onWarning?.('codec', `unsupported FLV video codec (header byte 0x${body[0]!.toString(16)}): only H.264 is handled`);
      return;
    }
    if (body.byteLength < 5) {
      this.options.onWarning?.('short-tag', 'FLV AVC video tag shorter than 5 bytes');
      return;
    }
    const packetType = body[1]!;
    const ctsMs = (((body[2]! << 16) | (body[3]! << 8) | body[4]!) << 8) >> 8; // SI24
    const payload = body.subarray(5);
    try {
      if (packetType === AVC_SEQUENCE_HEADER) {
        const record = parseAvcDecoderConfigurationRecord(payload);
        this.sps = record.sps;
        this.pps = record.pps;
        this.lengthSize = record.lengthSize;
      } else if (packetType === AVC_NALU) {
        const nalus = fromLengthPrefixed(payload, this.lengthSize);
        if (nalus.length === 0) return;
        // Start points come from the bitstream, as on the Annex-B path, not from the FLV frame
        // type: ffmpeg's libx264 marks intra refresh recovery points as FLV keyframes too, other
        // muxers may not, and the server must behave the same whichever way a stream arrives.
        const key = nalus.some((nal) => nalType(nal) === NalType.IDR);
        const recoveryPoint = nalus.some(isRecoveryPointSei);
        const start = key || recoveryPoint;
        out.push({ dtsMs: this.tagTimestamp, ctsMs, key, recoveryPoint, nalus: start ? withParameterSets(nalus, this.sps, this.pps) : nalus });
      }
      // AVCPacketType 2 (end of sequence): nothing to do.
    } catch (err) {
      if (!(err instanceof H264Error)) throw err;
      this.options.onWarning?.(`h264:${err.code}`, `bad AVC payload in FLV tag: ${err.message}`);
    }
  }


  private expect(state: State, bytes: number): void {
    this.state = state;
    this.needed = bytes;
  }

  private fail(message: string): never {
    this.state = State.FAILED;
    this.chunks = [];
    this.buffered = 0;
    throw createError(ServerErrorCode.FLV_INVALID, message);
  }

  /** Takes n buffered bytes: a view when they sit in one chunk, else one copy. */
  private consume(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (n === first.byteLength) {
      this.chunks.shift();
      return first;
    }
    if (n < first.byteLength) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.byteLength, n - offset);
      out.set(chunk.subarray(0, take), offset);
      offset += take;
      if (take === chunk.byteLength) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    return out;
  }
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
