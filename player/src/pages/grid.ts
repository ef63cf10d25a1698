/**
 * GET /grid?streams=a,b,c: one player per stream on one page, in a square-ish grid (a wall of
 * cameras). Without `streams`, every live stream of GET /api/streams (at most MAX_PLAYERS). Each
 * cell shows its stream's name and its own capture → present latency, fps and mode; a stream may
 * appear more than once (`?streams=cam,cam`). `window.framewireGrid` holds the players (debugging,
 * e2e). Player config keys from the URL (`?fw.KEY=`) apply to every player.
 *
 * One WebSocket per player: unlike HTTP/1.1 streaming (6 connections per origin, so a seventh
 * HTTP-FLV player stalls), WebSockets have no per-origin cap that matters here (LOW-LATENCY.md "Traps").
 */
import { FramewirePlayer, liveSocketUrl } from '../player.js';
import { PlayerEvents } from '../events.js';
import { configFromQuery, messageFor, setMessage } from './page-player.js';
import type { StreamInfo } from './stream-table.js';
import { formatMs } from '../ui/stats-format.js';
import { gridColumns, gridStreamsFromQuery } from './grid-layout.js';
import './player.css';

/** Beyond this a 2-core machine spends its time decoding; pass `?streams=` to go further. */
const MAX_PLAYERS = 16;

export interface GridEntry {
  name: string;
  player: FramewirePlayer;
  cell: HTMLElement;
}

declare global {
  interface Window {
    framewireGrid?: GridEntry[];
  }
}

function addPlayer(main: HTMLElement, name: string, index: number): GridEntry {
  const cell = document.createElement('div');
  cell.className = 'fw-grid-cell';
  cell.dataset['testid'] = 'grid-cell';
  cell.dataset['stream'] = name;
  cell.dataset['index'] = String(index);
  const video = document.createElement('video');
  video.muted = true; // many players, one page: sound from nine at once helps nobody
  video.autoplay = true;
  video.playsInline = true;
  const label = document.createElement('div');
  label.className = 'fw-grid-label';
  label.dataset['testid'] = 'grid-label';
  label.textContent = name;
  const message = document.createElement('div');
  message.className = 'fw-message';
  message.hidden = true;
  cell.append(video, label, message);
  main.append(cell);

  const player = new FramewirePlayer(configFromQuery());
  player.on(PlayerEvents.STATS, (s) => {
    label.textContent = `${name}  ${formatMs(s.latencyP50Ms)}  ${s.fps} fps  ${s.mode}${s.reconnects ? `  ↻${s.reconnects}` : ''}`;
    cell.dataset['latencyMs'] = s.latencyP50Ms === null ? '' : String(s.latencyP50Ms);
  });
  player.on(PlayerEvents.ERROR, (e) => {
    if (e.fatal) setMessage(message, messageFor(e), 'error');
  });
  player.on(PlayerEvents.FIRST_FRAME, () => setMessage(message, ''));
  player.attachMedia(video);
  player.load(liveSocketUrl(name));
  return { name, player, cell };
}

async function start(): Promise<void> {
  const main = document.querySelector<HTMLElement>('[data-testid="grid"]')!;
  const summary = document.querySelector<HTMLElement>('[data-testid="grid-summary"]')!;
  let names = gridStreamsFromQuery(location.search);
  if (names === null) {
    try {
      const res = await fetch('/api/streams', { cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).trim()} (or name the streams: ?streams=A,B)`);
      const streams = (await res.json()) as StreamInfo[];
      names = streams.filter((s) => s.state === 'live').map((s) => s.name).slice(0, MAX_PLAYERS);
    } catch (err) {
      summary.textContent = `Could not load the stream list: ${(err as Error).message}`;
      return;
    }
  }
  if (names.length === 0) {
    summary.textContent = 'No streams: add ?streams=NAME,NAME,… to the URL, or start a live stream.';
    return;
  }
  main.style.setProperty('--fw-cols', String(gridColumns(names.length)));
  summary.textContent = `${names.length} players`;
  window.framewireGrid = names.map((name, i) => addPlayer(main, name, i));
}

void start();
