/**
 * The LL-HLS Media Playlist of one stream, written from its PartStore (RFC 8216bis draft; section
 * numbers below are that draft's). One rendition, fMP4/CMAF, live (no EXT-X-PLAYLIST-TYPE, 6.2.2).
 */
import { TIMESCALE } from '@framewire/shared';
import type { HlsSegment, PartStore } from './part-store.js';

/** Resource names; RUN makes them unique per server process, so a CDN may cache them for good. */
export const hlsNames = {
  init: (run: string, id: number) => `init-${run}-${id}.mp4`,
  segment: (run: string, msn: number) => `seg-${run}-${msn}.m4s`,
  part: (run: string, number: number) => `part-${run}-${number}.m4s`,
};

const seconds = (ticks: number): string => (ticks / TIMESCALE).toFixed(5);
const ms3 = (s: number): string => String(Math.round(s * 1000) / 1000);

/**
 * EXT-X-VERSION 6: EXT-X-MAP in a playlist without EXT-X-I-FRAMES-ONLY needs it (8), nothing here
 * needs more, and 6.2.1 says not to declare more than needed.
 */
const VERSION = 6;

/**
 * `suffix` goes after every media URI: `?token=…` when the playlist was asked for with one, so a
 * player that cannot add it to each request itself (the browser's own HLS, e.g. Safari without
 * MSE) still sends it. Such URIs are per viewer for a CDN, which is the price of the token.
 */
export function renderPlaylist(store: PartStore, run: string, suffix = ''): string {
  const segments = store.listed();
  const targetDuration = store.targetDuration;
  const partTarget = store.partTargetSeconds;
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${VERSION}`, `#EXT-X-TARGETDURATION:${targetDuration}`];
  // 4.4.3.8: PART-HOLD-BACK MUST be ≥ 2 × and SHOULD be ≥ 3 × PART-TARGET; hls.js in low-latency
  // mode plays this far behind the live edge, so it is exactly 3 × (LOW-LATENCY.md, "LL-HLS").
  lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${ms3(3 * partTarget)}`);
  lines.push(`#EXT-X-PART-INF:PART-TARGET=${ms3(partTarget)}`);
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${segments[0]?.msn ?? 0}`);
  lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${store.discontinuitySequence}`);

  // 6.2.2: EXT-X-PART tags SHOULD go once they are more than three target durations from the end.
  const totalTicks = segments.reduce((n, s) => n + s.duration, 0);
  const partHorizon = totalTicks - 3 * targetDuration * TIMESCALE;
  let startTicks = 0;
  let initId: number | null = null;
  for (const segment of segments) {
    const endTicks = startTicks + segment.duration;
    if (segment.discontinuity && segment !== segments[0]) lines.push('#EXT-X-DISCONTINUITY');
    // 4.4.4.5: EXT-X-MAP applies to every segment after it until the next one.
    if (segment.initId !== initId) {
      lines.push(`#EXT-X-MAP:URI="${hlsNames.init(run, segment.initId)}${suffix}"`);
      initId = segment.initId;
    }
    // 4.4.4.6 / 6.2.1: every segment gets the capture time of its first frame (and so every
    // segment after a discontinuity). Tags of a Parent Segment precede its first EXT-X-PART (4.4.4.9).
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateTimeMs).toISOString()}`);
    if (!segment.complete || endTicks > partHorizon) lines.push(...partLines(segment, run, suffix));
    if (segment.complete) lines.push(`#EXTINF:${seconds(segment.duration)},`, hlsNames.segment(run, segment.msn) + suffix);
    startTicks = endTicks;
  }
  if (store.ended) {
    lines.push('#EXT-X-ENDLIST');
  } else {
    // 4.4.5.3 / 6.2.6: the next part, by its stream-wide number: whichever segment it ends up in
    // (a key frame may start a new one), the hinted URI is the part that comes next.
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${hlsNames.part(run, store.nextPartNumber)}${suffix}"`);
  }
  return `${lines.join('\n')}\n`;
}

function partLines(segment: HlsSegment, run: string, suffix: string): string[] {
  return segment.parts.map(
    (p) => `#EXT-X-PART:DURATION=${seconds(p.duration)},URI="${hlsNames.part(run, p.number)}${suffix}"${p.independent ? ',INDEPENDENT=YES' : ''}`,
  );
}
