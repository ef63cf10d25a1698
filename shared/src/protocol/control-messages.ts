/**
 * JSON text frames on WS /live/NAME. Binary frames carry media (media-frame.ts).
 * Unknown `type`s must be ignored by receivers so the protocol can grow.
 */

/** First message on every viewer socket. */
export interface HelloMessage {
  type: 'hello';
  protocol: number;
  stream: string;
  server: string;
}

/** Sent before the first media frame and whenever the codec configuration changes. */
export interface CodecMessage {
  type: 'codec';
  /** RFC 6381 codec string, e.g. "avc1.42c01f". */
  codec: string;
  width: number;
  height: number;
  /** Nominal frame rate from the SPS VUI or the source, if known. */
  fps: number | null;
}

/**
 * What a stream is doing (issue 4 added `idle` and `starting`; receivers must treat a state they
 * do not know like `waiting`, so the list can grow):
 * - `idle`: an on-demand source that is not running (no viewer); the first viewer starts it.
 * - `starting`: the source was launched and has produced no picture yet.
 * - `live`: pictures are flowing.
 * - `waiting`: the source is being restarted, or a `publish` stream has no publisher.
 * - `ended`: the source finished for good (a file played once).
 * - `error`: the source failed; `reason` says why. It may recover by itself.
 */
export type StreamState = 'idle' | 'starting' | 'waiting' | 'live' | 'ended' | 'error';

/** Stream state changes (source started, exited, failed). */
export interface StatusMessage {
  type: 'status';
  state: StreamState;
  reason?: string;
  /**
   * Why the stream is in state `error`, when the server knows (added for issue 3; optional, so
   * older players ignore it): 'CODEC_UNSUPPORTED' = the input is not H.264 (H.265, non-video
   * bytes); 'SOURCE_FAILED' = the source process failed or exited.
   */
  code?: ErrorCode;
  /**
   * With state 'live': access units of this stream the server skipped because they came before a
   * start point (a source that starts mid-GOP), so no viewer could decode them. Optional.
   */
  skippedBeforeKey?: number;
}

/** Per-viewer counters the server keeps (sent when they change, e.g. after a drop). */
export interface ViewerStatsMessage {
  type: 'stats';
  /** Access units this viewer did not get because it fell behind (dropped until the next IDR). */
  droppedFrames: number;
}

/**
 * Sent once per connection, right after the cached GOP: every frame before it was already
 * produced when the viewer joined (sent at once so it can decode from the IDR), every frame
 * after it is sent the moment it is produced. The player jumps to the live edge here.
 */
export interface LiveEdgeMessage {
  type: 'live-edge';
  /** How many cached frames preceded this message. */
  cachedFrames: number;
}

/** UNAUTHORIZED / FORBIDDEN: WS /live/NAME without a valid viewer token, then close 4401 / 4403. */
export type ErrorCode = 'STREAM_NOT_FOUND' | 'BAD_REQUEST' | 'SOURCE_FAILED' | 'CODEC_UNSUPPORTED' | 'INTERNAL' | 'UNAUTHORIZED' | 'FORBIDDEN';

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export type ServerMessage = HelloMessage | CodecMessage | StatusMessage | LiveEdgeMessage | ViewerStatsMessage | ErrorMessage;

/** WebSocket close codes used by the server (4000–4999 are free for applications, RFC 6455 7.4.2). */
export const CloseCode = {
  GOING_AWAY: 1001,
  /** A viewer sent binary data (viewers send JSON text only; RFC 6455 7.4.1). */
  UNSUPPORTED_DATA: 1003,
  /** A viewer sent messages faster than any control protocol needs (RFC 6455 7.4.1 "policy violation"). */
  POLICY_VIOLATION: 1008,
  /** WS /live/NAME: the server or the stream has all the viewers it takes (maxViewers*); retry later (IANA close code registry). */
  TRY_AGAIN_LATER: 1013,
  BAD_REQUEST: 4400,
  /** WS /live/NAME: no viewer token, or a bad or expired one (HTTP 401, RFC 6750 3.1); reconnecting with the same token cannot help. */
  UNAUTHORIZED: 4401,
  /** WS /live/NAME: a valid viewer token for another stream (HTTP 403). */
  FORBIDDEN: 4403,
  STREAM_NOT_FOUND: 4404,
  SOURCE_ENDED: 4410,
  /** WS /publish/NAME (issue 4): no publish key given (HTTP 401). */
  PUBLISH_KEY_MISSING: 4401,
  /** WS /publish/NAME: wrong publish key (HTTP 403). */
  PUBLISH_KEY_WRONG: 4403,
  /** WS /publish/NAME: the stream exists but its source is not `publish` (HTTP 405). */
  NOT_PUBLISHABLE: 4405,
  /** WS /publish/NAME: the publisher sent nothing for publishIdleTimeoutMs. */
  PUBLISH_IDLE: 4408,
  /** WS /publish/NAME: another publisher is streaming to this stream (HTTP 409); it keeps streaming. */
  PUBLISHER_CONFLICT: 4409,
} as const;

const SERVER_TYPES = new Set(['hello', 'codec', 'status', 'live-edge', 'stats', 'error']);

/** Parses a text frame; returns null for anything that is not a known server message. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && SERVER_TYPES.has(type) ? (value as ServerMessage) : null;
}
