/**
 * An access unit as it leaves the assembler: the NAL units of one picture, no timing yet.
 * NAL units carry their 1-byte header and no start code (H.264 7.3.1).
 */
export interface RawAccessUnit {
  nalus: Uint8Array[];
  /** Contains an IDR slice (nal_unit_type 5). */
  key: boolean;
  /**
   * Carries a recovery point SEI (H.264 D.1.8 / D.2.8): a random access point without an IDR,
   * as periodic intra refresh streams (x264 --intra-refresh) have after their first picture. The
   * server's Stream starts viewers here like at an IDR. Absent means false (set by the assembler
   * and the FLV demuxer; hand-built access units may leave it out).
   */
  recoveryPoint?: boolean;
}

/** An access unit with timing, as the server's Stream holds and sends it. Plain data. */
export interface AccessUnit extends RawAccessUnit {
  /** Decode timestamp, 90 kHz ticks. */
  dts: number;
  /** Presentation timestamp, 90 kHz ticks (pts >= dts). */
  pts: number;
  /** Best estimate of this frame's duration when it was emitted (previous delta or nominal), 90 kHz ticks, > 0. */
  duration: number;
  /** Wall-clock time (ms since the Unix epoch, fractional) at which the frame was captured, or arrived if the source gives none. */
  captureTimeMs: number;
}
