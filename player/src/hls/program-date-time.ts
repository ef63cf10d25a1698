/**
 * Capture time of a presented frame from EXT-X-PROGRAM-DATE-TIME.
 *
 * Framewire's server writes, for every segment, the capture wall-clock time of its first frame as
 * its PROGRAM-DATE-TIME (the same clock as the `captureTimeMs` of the WebSocket frames), so
 * capture → display latency in HLS mode is presentation time − (PDT + offset into the segment),
 * the same figure the WebSocket path reports. hls.js computes `playingDate` this way for
 * `currentTime` (stream-controller `currentProgramDateTime`); this does it for the exact media time
 * of each presented frame (requestVideoFrameCallback `mediaTime`). Pure.
 */

/** What the mapping needs of an hls.js Fragment (its `start` is corrected to the parsed PTS once loaded). */
export interface DatedFragment {
  /** Media time of the segment's first frame, seconds. */
  start: number;
  /** PROGRAM-DATE-TIME of that frame, epoch ms, or null when the playlist has none. */
  programDateTime: number | null;
}

/**
 * Epoch ms at which the frame at `mediaTime` was captured: from the last dated fragment starting
 * at or before it (`fragments` in playlist order), or undefined when there is none. A frame past
 * that fragment's end (a segment still being written) is extrapolated on the same clock.
 */
export function captureTimeAt(fragments: readonly DatedFragment[], mediaTime: number): number | undefined {
  // Media times from rVFC are rounded to µs; allow that much before a fragment's start.
  const t = mediaTime + 1e-4;
  for (let i = fragments.length - 1; i >= 0; i--) {
    const f = fragments[i]!;
    if (f.programDateTime === null || f.start > t) continue;
    return f.programDateTime + (mediaTime - f.start) * 1000;
  }
  return undefined;
}

/**
 * Safari's native HLS: `getStartDate()` is the PROGRAM-DATE-TIME of media time 0 (HTML "media
 * timeline" offset), NaN without one. Chromium's native HLS has no getStartDate().
 */
export function nativeCaptureTimeAt(startDateMs: number, mediaTime: number): number | undefined {
  return Number.isFinite(startDateMs) ? startDateMs + mediaTime * 1000 : undefined;
}
