/**
 * The overlay's text, as a pure function of PlayerStats (unit-tested without a DOM).
 * Labels are padded to one column so the box reads as a table in a monospace font.
 */
import type { PlaybackMode } from '../fallback/mode-selector.js';
import type { PlayerStats } from '../stats/stats-collector.js';

/** What each playback mode is, in words (fallback/mode-selector.ts). */
export const MODE_LABELS: Readonly<Record<PlaybackMode, string>> = {
  ws: 'WebSocket + MSE',
  mms: 'WebSocket + ManagedMediaSource',
  'hls.js': 'LL-HLS (hls.js)',
  'native-hls': 'native HLS',
};

const LABEL_WIDTH = 11;

/** `12.3` → `12 ms`; null → `–`. */
export function formatMs(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${Math.round(v)} ms`;
}

/** kbit/s → `850 kbit/s` / `2.40 Mbit/s`. */
export function formatBitrate(kbps: number): string {
  if (!Number.isFinite(kbps) || kbps <= 0) return '0 kbit/s';
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(2)} Mbit/s` : `${Math.round(kbps)} kbit/s`;
}

export interface StatsRow {
  /** Stable key (the e2e and CSS find rows by it). */
  key: 'mode' | 'latency' | 'edge' | 'buffer' | 'fps' | 'bitrate' | 'dropped' | 'reconnects' | 'video';
  label: string;
  value: string;
}

export function statsRows(s: PlayerStats): StatsRow[] {
  const hls = s.mode === 'hls.js' || s.mode === 'native-hls';
  const rows: StatsRow[] = [
    { key: 'mode', label: 'mode', value: `${s.mode}  ${MODE_LABELS[s.mode] ?? ''}`.trimEnd() },
    { key: 'latency', label: 'latency', value: `${formatMs(s.latencyMs)}  (p50 ${formatMs(s.latencyP50Ms)}, p95 ${formatMs(s.latencyP95Ms)})` },
  ];
  // HLS: the engine's own figure (playlist edge → playhead) beside capture → display.
  if (hls) rows.push({ key: 'edge', label: 'edge', value: `${formatMs(s.edgeLatencyMs)}  (target ${formatMs(s.targetLatencyMs)})` });
  rows.push(
    { key: 'buffer', label: 'buffer', value: `${formatMs(s.bufferMs)}  rate ${s.playbackRate.toFixed(2)}` },
    { key: 'fps', label: 'fps', value: String(s.fps) },
    { key: 'bitrate', label: 'bitrate', value: formatBitrate(s.bitrateKbps) },
    { key: 'dropped', label: 'dropped', value: `${s.droppedFrames}  skipped ${s.skippedFrames}  stalls ${s.stalls}` },
    { key: 'reconnects', label: 'reconnects', value: String(s.reconnects) },
    { key: 'video', label: 'video', value: s.width ? `${s.width}x${s.height} ${s.codec}`.trimEnd() : '–' },
  );
  return rows;
}

/** One line per row: `latency    45 ms  (p50 …)`. */
export function formatStatsText(s: PlayerStats): string {
  return statsRows(s).map((r) => `${r.label.padEnd(LABEL_WIDTH)}${r.value}`).join('\n');
}
