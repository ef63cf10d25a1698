/**
 * Binary frame on WS /live/NAME: one access unit per message.
 *
 * Header (big-endian), then the payload:
 *   0  u8   kind (1 = H.264 access unit)
 *   1  u8   flags (MediaFlags)
 *   2  u16  header length in bytes (readers skip any header bytes they do not know)
 *   4  u32  sequence number of the access unit in its stream
 *   8  f64  dts, 90 kHz ticks (a double holds integers exactly up to 2^53: ~3,000 years)
 *   16 i32  composition offset pts - dts, 90 kHz ticks
 *   20 u32  duration estimate, 90 kHz ticks
 *   24 f64  capture wall-clock time, ms since the Unix epoch
 *   32 f64  server send wall-clock time, ms since the Unix epoch (ingest → fan-out cost)
 *   40      payload: the access unit's NAL units, each with a 4-byte big-endian length (AVCC, ISO 14496-15 5.3.3)
 */
export const MEDIA_HEADER_BYTES = 40;

export const MediaKind = { H264_ACCESS_UNIT: 1 } as const;

export const MediaFlags = {
  /**
   * A viewer can start here: the access unit holds an IDR picture or carries a recovery point
   * SEI (H.264 D.2.8, periodic intra refresh).
   */
  KEY: 1 << 0,
  /** The access unit carries SPS/PPS. */
  CONFIG: 1 << 1,
  /** Timestamps do not follow on from the previous frame (source restart, loop with reset). */
  DISCONTINUITY: 1 << 2,
} as const;

/** A decoded media frame. `payload` is a view into the received buffer (no copy). */
export interface MediaFrame {
  kind: number;
  flags: number;
  sequence: number;
  dts: number;
  pts: number;
  duration: number;
  captureTimeMs: number;
  sendTimeMs: number;
  /** AVCC: 4-byte length + NAL unit, repeated. */
  payload: Uint8Array;
}
