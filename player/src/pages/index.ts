/** Stream table from GET /api/streams (refreshed every few seconds); plays the first live stream. */
import { playStream, setMessage } from './page-player.js';
import { renderStreamTable, STREAM_COLUMNS, type StreamInfo } from './stream-table.js';
import './player.css';

/** Short enough that a stream starting or stopping shows up while the user looks. */
const REFRESH_MS = 2000;

const list = document.querySelector<HTMLElement>('[data-testid="stream-list"]')!;
const video = document.querySelector<HTMLVideoElement>('video')!;
const message = document.querySelector<HTMLElement>('[data-testid="player-message"]')!;
const nowPlaying = document.querySelector<HTMLElement>('[data-testid="now-playing"]')!;
let playing = '';

async function refresh(): Promise<void> {
  try {
    const res = await fetch('/api/streams', { cache: 'no-store' });
    // 403 from another machine: the server's text names the key that opens it (apiAllowRemote).
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).trim()}`);
    const streams = (await res.json()) as StreamInfo[];
    renderStreamTable(list, streams);
    const live = streams.find((s) => s.state === 'live');
    if (!playing && live) {
      playing = live.name;
      nowPlaying.textContent = live.name;
      playStream(live.name, { video, message, overlayContainer: document.querySelector<HTMLElement>('.fw-stage')!, overlayVisible: true });
    } else if (!playing) {
      // Playing an on-demand stream here would start its source for a visitor who did not ask.
      const onDemand = streams.some((s) => s.onDemand);
      setMessage(message, onDemand ? 'No live stream yet. On-demand streams start when you open them.' : 'No live stream yet.');
    }
  } catch (err) {
    const row = document.createElement('tr');
    const cell = row.insertCell();
    cell.colSpan = STREAM_COLUMNS.length;
    cell.textContent = `Could not load the stream list: ${(err as Error).message}`;
    list.replaceChildren(row);
  }
}

void refresh();
setInterval(() => void refresh(), REFRESH_MS);
