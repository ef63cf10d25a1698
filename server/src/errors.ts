/**
 * Server errors carry a stable string code that tests and callers match on (never the message),
 * built by one factory in the style of ws `lib/receiver.js` createError.
 */
export const ServerErrorCode = {
  /** A configuration value is missing, of the wrong type or contradicts another one. */
  CONFIG_INVALID: 'SRV_ERR_CONFIG_INVALID',
  /** The --config file cannot be read, is not valid YAML (or JSON), or does not hold a mapping. */
  CONFIG_FILE: 'SRV_ERR_CONFIG_FILE',
  /** A stream name does not match ^[A-Za-z0-9_-]{1,64}$. */
  STREAM_NAME_INVALID: 'SRV_ERR_STREAM_NAME_INVALID',
  /** A SOURCE string names no known source kind. */
  SOURCE_INVALID: 'SRV_ERR_SOURCE_INVALID',
  /** The source process or input ended (normally or not). */
  SOURCE_EXITED: 'SRV_ERR_SOURCE_EXITED',
  /** The source could not be started (spawn failure, unreadable file). */
  SOURCE_FAILED: 'SRV_ERR_SOURCE_FAILED',
  /** An on-demand source produced no picture within onDemandStartTimeoutMs of being started (it keeps trying). */
  SOURCE_START_TIMEOUT: 'SRV_ERR_SOURCE_START_TIMEOUT',
  /** ffmpeg (or ffprobe) is not installed / not on PATH. */
  FFMPEG_MISSING: 'SRV_ERR_FFMPEG_MISSING',
  /** A bundled fixture (the demo clip) is missing or holds no playable access units. */
  FIXTURE_MISSING: 'SRV_ERR_FIXTURE_MISSING',
  /** The FLV byte stream from ffmpeg is malformed (bad signature, oversized tag). */
  FLV_INVALID: 'SRV_ERR_FLV_INVALID',
  /** The input is not H.264 (H.265/HEVC, non-video bytes): no valid SPS after the first bytes. */
  NOT_H264: 'SRV_ERR_NOT_H264',
  /** The HTTP server could not listen (port in use, permission). */
  LISTEN_FAILED: 'SRV_ERR_LISTEN_FAILED',
} as const;

export type ServerErrorCodeValue = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: ServerErrorCodeValue,
    message: string,
    /** The config key or stream name the error is about, when there is one. */
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The one factory for server errors. */
export function createError(
  code: ServerErrorCodeValue,
  message: string,
  extra: { key?: string; cause?: unknown } = {},
): ServerError {
  return new ServerError(code, message, extra.key, extra.cause === undefined ? undefined : { cause: extra.cause });
}

/** A short message for logs from anything thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** The stable code of anything thrown, or 'UNKNOWN'. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
