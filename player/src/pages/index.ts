/** Stream list from GET /api/streams; plays the first live stream. */
import { playStream, setMessage } from './page-player.js';
import './player.css';

interface StreamInfo {
  name: string;
  state: string;
  codec?: string;
  width?: number;
  height?: number;
  fps?: number | null;
  bitrateKbps?: number;
  viewers?: number;
}

const list = document.querySelector<HTMLElement>('[data-testid="stream-list"]')!;
const video = document.querySelector<HTMLVideoElement>('video')!;
const message = document.querySelector<HTMLElement>('[data-testid="player-message"]')!;
const nowPlaying = document.querySelector<HTMLElement>('[data-testid="now-playing"]')!;
let playing = '';

function render(streams: StreamInfo[]): void {
  list.replaceChildren(...streams.map((s) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/watch/${encodeURIComponent(s.name)}`;
    a.textContent = s.name;
    const meta = document.createElement('span');
    meta.className = 'fw-meta';
    const size = s.width && s.height ? `${s.width}x${s.height}` : '';
    meta.textContent = [s.state, size, s.fps ? `${s.fps} fps` : '', s.bitrateKbps ? `${s.bitrateKbps} kbit/s` : '',
      s.viewers !== undefined ? `${s.viewers} viewer${s.viewers === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
    li.append(a, ' ', meta);
    return li;
  }));
  if (streams.length === 0) list.textContent = 'No streams.';
}

async function refresh(): Promise<void> {
  try {
    const res = await fetch('/api/streams');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const streams = (await res.json()) as StreamInfo[];
    render(streams);
    const live = streams.find((s) => s.state === 'live');
    if (!playing && live) {
      playing = live.name;
      nowPlaying.textContent = live.name;
      playStream(live.name, { video, message, overlayContainer: document.querySelector<HTMLElement>('.fw-stage')!, overlayVisible: true });
    } else if (!playing) {
      setMessage(message, 'No live stream yet.');
    }
  } catch (err) {
    list.textContent = `Could not load the stream list: ${(err as Error).message}`;
  }
}

void refresh();
setInterval(() => void refresh(), 5000);
