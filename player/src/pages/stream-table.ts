/**
 * The stream table of the index page: one row per entry of GET /api/streams. The cell texts are
 * a pure function (streamCells) so they can be tested without a DOM.
 */

/** One row of GET /api/streams as this page reads it (server/src/pipeline/stream.ts StreamSnapshot). */
export interface StreamInfo {
  name: string;
  state: string;
  reason?: string;
  warning?: string;
  /** SOURCE kind: demo, file, camera, ffmpeg, url, stdin, publish. */
  source?: string | null;
  onDemand?: boolean;
  codec?: string | null;
  width?: number | null;
  height?: number | null;
  fps?: number | null;
  bitrateKbps?: number;
  viewers?: number;
  /** LL-HLS clients (server hls/hls-clients.ts). */
  hlsViewers?: number;
  restarts?: number;
  /** publish streams only: a publisher is connected. */
  publisher?: boolean;
}

/** Column keys, in order; also the `data-col` of each cell (tests and CSS find cells by it). */
export const STREAM_COLUMNS = ['name', 'state', 'codec', 'resolution', 'fps', 'bitrate', 'viewers', 'restarts', 'publish'] as const;
export type StreamColumn = (typeof STREAM_COLUMNS)[number];

const NONE = '–';

/** The text of every cell of one stream's row. */
export function streamCells(s: StreamInfo): Record<StreamColumn, string> {
  // Figures of a stream without pictures are stale (the last run's): show them only while live.
  const live = s.state === 'live';
  return {
    name: s.onDemand ? `${s.name} (on demand)` : s.name,
    state: s.reason ? `${s.state}: ${s.reason}` : s.state,
    codec: s.codec ?? NONE,
    resolution: s.width && s.height ? `${s.width}x${s.height}` : NONE,
    fps: s.fps ? String(Math.round(s.fps * 100) / 100) : NONE,
    bitrate: live && s.bitrateKbps !== undefined ? `${s.bitrateKbps} kbit/s` : NONE,
    viewers: s.viewers !== undefined ? `${s.viewers}${s.hlsViewers ? ` + ${s.hlsViewers} HLS` : ''}` : NONE,
    restarts: s.restarts !== undefined ? String(s.restarts) : NONE,
    publish: s.publisher === undefined ? '' : s.publisher ? 'publisher connected' : 'no publisher',
  };
}

/** Replaces the rows of `tbody` with `streams`. */
export function renderStreamTable(tbody: HTMLElement, streams: readonly StreamInfo[]): void {
  tbody.replaceChildren(...streams.map(streamRow));
  if (streams.length === 0) {
    const row = document.createElement('tr');
    const cell = row.insertCell();
    cell.colSpan = STREAM_COLUMNS.length;
    cell.textContent = 'No streams.';
    tbody.append(row);
  }
}

function streamRow(s: StreamInfo): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset['stream'] = s.name;
  row.dataset['state'] = s.state;
  const cells = streamCells(s);
  for (const column of STREAM_COLUMNS) {
    const cell = row.insertCell();
    cell.dataset['col'] = column;
    if (column === 'name') {
      const a = document.createElement('a');
      a.href = `/watch/${encodeURIComponent(s.name)}`;
      a.textContent = cells.name;
      cell.append(a);
      if (s.warning) cell.title = s.warning;
    } else if (column === 'publish' && s.publisher !== undefined) {
      const a = document.createElement('a');
      a.href = `/publish/${encodeURIComponent(s.name)}`;
      a.textContent = 'publish';
      cell.append(a, ` (${cells.publish})`);
    } else {
      cell.textContent = cells[column];
    }
  }
  return row;
}
