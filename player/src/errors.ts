/**
 * Runtime errors are reported as data through PlayerEvents.ERROR (hls.js src/errors.ts style);
 * only misuse of the API throws.
 */
export enum ErrorTypes {
  NETWORK_ERROR = 'networkError',
  MEDIA_ERROR = 'mediaError',
  MUX_ERROR = 'muxError',
  OTHER_ERROR = 'otherError',
}

export enum ErrorDetails {
  /** The server closed with 4404 or sent error STREAM_NOT_FOUND. Fatal. */
  STREAM_NOT_FOUND = 'streamNotFound',
  /** The source ended (status ended or close 4410). Fatal: no more media will come. */
  SOURCE_ENDED = 'sourceEnded',
  /** The server reported an error message (SOURCE_FAILED, BAD_REQUEST, INTERNAL). */
  SERVER_ERROR = 'serverError',
  /** The socket closed or failed; a reconnect follows unless attempts are exhausted. */
  SOCKET_ERROR = 'socketError',
  /** No MediaSource / ManagedMediaSource in this browser. */
  MSE_UNSUPPORTED = 'mseUnsupported',
  /** MediaSource.isTypeSupported() said no to this codec string. */
  CODEC_UNSUPPORTED = 'codecUnsupported',
  /** addSourceBuffer/changeType threw. */
  SOURCE_BUFFER_ERROR = 'sourceBufferError',
  /** appendBuffer threw or the SourceBuffer fired `error`. */
  APPEND_ERROR = 'appendError',
  /** QuotaExceededError persisted after trimming. */
  BUFFER_FULL = 'bufferFull',
  /**
   * The browser refused to start playback even muted (autoplay disabled by the user, Safari Low
   * Power Mode): a user gesture is needed. Not fatal: playback starts when the user presses play.
   */
  AUTOPLAY_BLOCKED = 'autoplayBlocked',
  /** The <video> element reported a MediaError (decode error, ...). */
  MEDIA_ELEMENT_ERROR = 'mediaElementError',
  /** The remuxer could not process a frame (bad payload, bad SPS). */
  REMUX_ERROR = 'remuxError',
  /** The worker failed to start or crashed; the player falls back to inline remuxing. */
  WORKER_ERROR = 'workerError',
  /**
   * LL-HLS playback (hls.js or the browser's own HLS) failed: hls.js could not be loaded, a fatal
   * hls.js error, or the element's error. Non-fatal while the player retries.
   */
  HLS_ERROR = 'hlsError',
}

export interface PlayerErrorData {
  type: ErrorTypes;
  details: ErrorDetails;
  /** Fatal: the player stopped and will not recover on its own. */
  fatal: boolean;
  /** Human-readable explanation (shown in the pages' message area). */
  reason: string;
  error?: Error;
}
