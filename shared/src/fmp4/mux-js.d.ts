/**
 * Ambient types for the mux.js 7.1.0 deep modules Framewire uses (mux.js ships no declarations
 * and is CommonJS only; see shared/design/MUXJS.md): the generator and frame-utils behind the fMP4
 * writer, and the box inspector the tests of all three packages read our output back with. Only
 * the fields we read or write are typed. The `.js` suffix is part of the specifier because mux.js
 * has no `exports` map: Node's ESM resolver needs the exact file, and Vite resolves it the same way.
 *
 * The one copy: player/tsconfig.json (which compiles shared from source) and server/tsconfig.json
 * (whose tests use the inspector) include this file. Kept out of the package's public types on
 * purpose: fmp4-writer.ts exports only its own interfaces, so consumers of shared/dist need no
 * declarations for mux.js.
 */

declare module 'mux.js/lib/mp4/mp4-generator.js' {
  export interface MuxSampleFlags {
    isLeading: number;
    dependsOn: number;
    isDependedOn: number;
    hasRedundancy: number;
    paddingValue?: number;
    isNonSyncSample: number;
    degradationPriority: number;
  }
  export interface MuxSample {
    duration: number;
    size: number;
    compositionTimeOffset: number;
    dataOffset?: number;
    flags: MuxSampleFlags;
  }
  /** The track object the generator reads (and mutates: trak() writes `duration`). */
  export interface MuxVideoTrack {
    id: number;
    type: 'video';
    width: number;
    height: number;
    profileIdc: number;
    profileCompatibility: number;
    levelIdc: number;
    /** NAL payloads with their header byte, without start codes. */
    sps: Uint8Array[];
    pps: Uint8Array[];
    /** [hSpacing, vSpacing]: adds a `pasp` box. */
    sarRatio?: [number, number];
    duration?: number;
    samples: MuxSample[];
    /** 90 kHz ticks, written as a 64-bit tfdt (version 1). */
    baseMediaDecodeTime: number;
  }
  interface Mp4Generator {
    ftyp(): Uint8Array;
    mdat(data: Uint8Array): Uint8Array;
    moof(sequenceNumber: number, tracks: MuxVideoTrack[]): Uint8Array;
    moov(tracks: MuxVideoTrack[]): Uint8Array;
    initSegment(tracks: MuxVideoTrack[]): Uint8Array;
  }
  const generator: Mp4Generator;
  export default generator;
}

declare module 'mux.js/lib/mp4/frame-utils.js' {
  import type { MuxSample } from 'mux.js/lib/mp4/mp4-generator.js';
  /** A frame: its NAL units plus the cumulative fields frame-utils reads. */
  export interface MuxFrame extends Array<{ data: Uint8Array }> {
    byteLength: number;
    pts: number;
    dts: number;
    duration: number;
    keyFrame: boolean;
  }
  interface FrameUtils {
    generateSampleTableForFrame(frame: MuxFrame, baseDataOffset?: number): MuxSample[];
    /** AVCC: 4-byte big-endian length + NAL, for each NAL of the frame. */
    concatenateNalDataForFrame(frame: MuxFrame): Uint8Array;
  }
  const frameUtils: FrameUtils;
  export default frameUtils;
}

declare module 'mux.js/lib/tools/mp4-inspector.js' {
  /** A parsed box: `type`, `size`, `boxes` for containers, plus box-specific fields. */
  export interface InspectedBox {
    type: string;
    size: number;
    boxes?: InspectedBox[];
    [field: string]: unknown;
  }
  interface Mp4Inspector {
    inspect(bytes: Uint8Array): InspectedBox[];
    textify(boxes: InspectedBox[], depth?: number): string;
  }
  const inspector: Mp4Inspector;
  export default inspector;
}
