/**
 * The fMP4 (ISO BMFF / CMAF) writer for H.264 video, shared by the player's remux worker (one
 * sample per fragment, WebSocket path) and the server's LL-HLS packager (several samples per
 * fragment: one LL-HLS part). Pure and synchronous: no Node or DOM.
 *
 * It is mux.js's "direct path" (shared/design/MUXJS.md, "Recommended use"): the generator and
 * frame-utils only, fed with access units the caller has already split and timed. Timestamps are
 * 90 kHz ticks throughout (mux.js hard-codes that timescale in mdhd: MUXJS.md gotcha 7).
 */
import generator, { type MuxSample, type MuxVideoTrack } from 'mux.js/lib/mp4/mp4-generator.js';
import frameUtils, { type MuxFrame } from 'mux.js/lib/mp4/frame-utils.js';
import { parseSps } from '../h264/sps.js';

/** What an init segment (ftyp+moov) and the fragments of one track are built from. */
export interface Fmp4VideoTrack {
  readonly id: number;
  /** Cropped picture size (tkhd, avc1). */
  readonly width: number;
  readonly height: number;
  /** AVCDecoderConfigurationRecord fields, from SPS bytes 1–3 (ISO 14496-15 5.3.3.1). */
  readonly profileIdc: number;
  readonly profileCompatibility: number;
  readonly levelIdc: number;
  /** Parameter set NAL units (header byte kept, no start code) for avcC. */
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
  /** [hSpacing, vSpacing] when the pixels are not square: adds a `pasp` box. */
  readonly sarRatio?: readonly [number, number];
}

/** One access unit as a sample of a fragment. */
export interface Fmp4Sample {
  /** The NAL units that go into mdat (no length prefixes; parameter sets and AUDs left out). */
  readonly nalus: readonly Uint8Array[];
  /** 90 kHz ticks; must be > 0 (Safari rejects zero-duration samples: go2rtc pkg/mp4/muxer.go). */
  readonly duration: number;
  /** pts − dts in ticks, ≥ 0: trun is written as version 0, where the offset is unsigned (MUXJS.md gotcha 9). */
  readonly compositionOffset: number;
  /** A sync sample (IDR or recovery point): sample_depends_on = 2, sample_is_non_sync_sample = 0. */
  readonly key: boolean;
}

export interface Fmp4TrackOptions {
  /** Track id (tkhd, tfhd). Default 1. */
  id?: number;
  /** The SPS to put into avcC when it differs from the stream's (the player's no-reorder rewrite). */
  avccSps?: Uint8Array;
}

/**
 * The track for an H.264 stream with these parameter sets. Throws H264Error if the SPS is
 * malformed. The bytes are copied: the caller's buffers may be reused or transferred.
 */
export function avcVideoTrack(sps: Uint8Array, pps: Uint8Array, options: Fmp4TrackOptions = {}): Fmp4VideoTrack {
  const info = parseSps(sps);
  const avccSps = (options.avccSps ?? sps).slice();
  const track: Fmp4VideoTrack = {
    id: options.id ?? 1,
    width: info.width,
    height: info.height,
    profileIdc: sps[1] ?? 0,
    profileCompatibility: sps[2] ?? 0,
    levelIdc: sps[3] ?? 0,
    sps: [avccSps],
    pps: [pps.slice()],
  };
  if (info.sar && info.sar[0] > 0 && info.sar[1] > 0 && info.sar[0] !== info.sar[1]) {
    return { ...track, sarRatio: [info.sar[0], info.sar[1]] };
  }
  return track;
}

/** ftyp+moov for one video track (90 kHz timescale, fragmented: mvex/trex). */
export function writeInitSegment(track: Fmp4VideoTrack): Uint8Array {
  // A fresh mux.js track each time: the generator writes into it (trak() sets `duration`, gotcha 11).
  return generator.initSegment([muxTrack(track, [], 0)]);
}

/**
 * One fragment, moof+mdat, holding `samples` in decode order from `baseMediaDecodeTime` (the
 * tfdt, ticks): each sample starts where the previous one's duration ends (ISO 14496-12 8.8.8).
 * moof and mdat come back as one contiguous buffer because traf's data_offset assumes the mdat
 * directly follows the moof (gotcha 8).
 */
export function writeMediaFragment(
  track: Fmp4VideoTrack,
  sequenceNumber: number,
  baseMediaDecodeTime: number,
  samples: readonly Fmp4Sample[],
): Uint8Array {
  if (samples.length === 0) throw new RangeError('a fragment needs at least one sample');
  const table: MuxSample[] = [];
  const payloads: Uint8Array[] = [];
  let payloadBytes = 0;
  for (const sample of samples) {
    const frame = muxFrame(sample);
    table.push(...frameUtils.generateSampleTableForFrame(frame));
    const data = frameUtils.concatenateNalDataForFrame(frame);
    payloads.push(data);
    payloadBytes += data.byteLength;
  }
  const moof = generator.moof(sequenceNumber, [muxTrack(track, table, baseMediaDecodeTime)]);
  let payload: Uint8Array;
  if (payloads.length === 1) {
    payload = payloads[0]!;
  } else {
    payload = new Uint8Array(payloadBytes);
    let offset = 0;
    for (const data of payloads) {
      payload.set(data, offset);
      offset += data.byteLength;
    }
  }
  const mdat = generator.mdat(payload);
  const fragment = new Uint8Array(moof.byteLength + mdat.byteLength);
  fragment.set(moof, 0);
  fragment.set(mdat, moof.byteLength);
  return fragment;
}

function muxTrack(track: Fmp4VideoTrack, samples: MuxSample[], baseMediaDecodeTime: number): MuxVideoTrack {
  const out: MuxVideoTrack = {
    id: track.id,
    type: 'video',
    width: track.width,
    height: track.height,
    profileIdc: track.profileIdc,
    profileCompatibility: track.profileCompatibility,
    levelIdc: track.levelIdc,
    sps: [...track.sps],
    pps: [...track.pps],
    samples,
    baseMediaDecodeTime,
  };
  if (track.sarRatio) out.sarRatio = [track.sarRatio[0], track.sarRatio[1]];
  return out;
}

/** A sample in the shape frame-utils reads: only pts − dts matters, so dts is 0. */
function muxFrame(sample: Fmp4Sample): MuxFrame {
  let byteLength = 0;
  const nals = sample.nalus.map((data) => {
    byteLength += data.byteLength;
    return { data };
  });
  return Object.assign(nals, {
    byteLength,
    pts: sample.compositionOffset,
    dts: 0,
    duration: sample.duration,
    keyFrame: sample.key,
  });
}
