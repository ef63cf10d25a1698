/**
 * GET /publish/NAME: publish this browser's camera to the stream NAME over WS /publish/NAME.
 * URL parameters: ?key=KEY fills the key field, &autostart=1 starts at once, &gop=N sets the
 * key frame interval. `window.framewirePublisher` is the running publisher (debugging, e2e).
 */
import { publishUnsupportedReason, WebcamPublisher, type PublisherStatus } from '../publish/webcam-publisher.js';
import './player.css';

declare global {
  interface Window {
    framewirePublisher?: WebcamPublisher;
  }
}

const params = new URLSearchParams(location.search);
const parts = location.pathname.split('/').filter(Boolean);
const name = decodeURIComponent(parts[parts.indexOf('publish') + 1] ?? params.get('stream') ?? '');

const form = document.querySelector<HTMLFormElement>('[data-testid="publish-form"]')!;
const keyInput = form.querySelector<HTMLInputElement>('input[name="key"]')!;
const gopInput = form.querySelector<HTMLInputElement>('input[name="gop"]')!;
const startButton = form.querySelector<HTMLButtonElement>('[data-testid="publish-start"]')!;
const stopButton = form.querySelector<HTMLButtonElement>('[data-testid="publish-stop"]')!;
const statusLine = document.querySelector<HTMLElement>('[data-testid="publish-status"]')!;
const statsLine = document.querySelector<HTMLElement>('[data-testid="publish-stats"]')!;
const preview = document.querySelector<HTMLVideoElement>('[data-testid="publish-preview"]')!;

document.title = `Publish ${name} – Framewire`;
document.querySelector('[data-testid="stream-name"]')!.textContent = name;
document.querySelector<HTMLAnchorElement>('[data-testid="watch-link"]')!.href = `/watch/${encodeURIComponent(name)}`;
keyInput.value = params.get('key') ?? '';
if (params.get('gop')) gopInput.value = params.get('gop')!;

let publisher: WebcamPublisher | null = null;

function show(text: string, kind: 'info' | 'error' = 'info'): void {
  statusLine.textContent = text;
  statusLine.dataset['kind'] = kind;
}

function onStatus(s: PublisherStatus): void {
  if (s.state === 'error') show(s.message, 'error');
  else show(s.message);
  statsLine.textContent = s.framesSent > 0
    ? `${s.framesSent} frames sent, ${(s.bytesSent / 1e6).toFixed(2)} MB, ${s.framesDropped} dropped`
    : '';
  if (preview.srcObject === null && publisher?.mediaStream) preview.srcObject = publisher.mediaStream;
  if (s.state === 'stopped' || s.state === 'error') {
    startButton.disabled = false;
    stopButton.disabled = true;
    preview.srcObject = null;
  }
}

function start(): void {
  publisher?.stop();
  const wsUrl = new URL(`/publish/${encodeURIComponent(name)}`, location.href);
  wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const gop = Math.max(1, Math.min(600, Number(gopInput.value) || 60));
  publisher = new WebcamPublisher({
    url: wsUrl.href,
    key: keyInput.value,
    keyFrameInterval: gop,
    bitrate: 2_500_000,
    video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
    maxBufferedBytes: 1024 * 1024,
    onStatus,
  });
  window.framewirePublisher = publisher;
  startButton.disabled = true;
  stopButton.disabled = false;
  void publisher.start();
}

const unsupported = publishUnsupportedReason();
if (!name) {
  show('No stream name in the URL (expected /publish/NAME).', 'error');
  startButton.disabled = true;
} else if (unsupported) {
  show(unsupported, 'error');
  startButton.disabled = true;
} else {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    start();
  });
  stopButton.addEventListener('click', () => publisher?.stop());
  if (params.get('autostart') === '1' && keyInput.value) start();
}
