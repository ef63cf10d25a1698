/**
 * Blocking Playlist Reload (RFC 8216bis 6.2.5.2): whether a playlist request carrying
 * _HLS_msn=M (and _HLS_part=P) can be answered now, must wait, or asks too far ahead.
 */
import type { PartStore } from './part-store.js';

export type ReloadState = 'ready' | 'wait' | 'too-far';

export interface ReloadRequest {
  msn: number;
  part: number | null;
}

/**
 * 6.2.5.2: "If the _HLS_msn is greater than the Media Sequence Number of the last Media Segment
 * in the current Playlist plus two, or if the _HLS_part exceeds the last Partial Segment in the
 * current Playlist by the Advance Part Limit [3 / PART-TARGET below one second, else 3], then the
 * server SHOULD immediately return Bad Request".
 */
export function reloadState(store: PartStore, request: ReloadRequest): ReloadState {
  // 6.2.5.2: a playlist with EXT-X-ENDLIST ignores the directives.
  if (store.ended) return 'ready';
  const last = store.lastPart();
  const listed = store.listed();
  const first = listed[0];
  if (!last || !first) return 'wait';
  const { msn, part } = request;
  // Already gone from the window: the whole current playlist answers it (6.2.5.2).
  if (msn < first.msn) return 'ready';
  if (msn > last.msn + 2) return 'too-far';

  if (part === null) {
    // "until the Playlist contains a Media Segment with a Media Sequence Number of M or later".
    return store.lastCompleteMsn() >= msn ? 'ready' : 'wait';
  }
  const segment = store.segment(msn);
  if (segment) {
    if (part < segment.parts.length) return 'ready';
    // "If the Client requests a Part Index greater than that of the final Partial Segment of the
    // Parent Segment, the Server MUST treat the request as one for Part Index 0 of the following
    // Parent Segment."
    if (segment.complete) return (store.segment(msn + 1)?.parts.length ?? 0) > 0 ? 'ready' : 'wait';
  }
  const partTarget = store.partTargetSeconds;
  const advanceLimit = partTarget > 0 && partTarget < 1 ? 3 / partTarget : 3;
  // Parts between the last published one and the requested one (at least one per segment boundary).
  const ahead = msn === last.msn ? part - last.index : part + 1 + (msn - last.msn - 1);
  return ahead > advanceLimit ? 'too-far' : 'wait';
}
