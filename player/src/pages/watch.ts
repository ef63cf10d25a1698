import { playStream, setMessage, streamNameFromLocation } from './page-player.js';
import './player.css';

const video = document.querySelector<HTMLVideoElement>('video')!;
// Muted by default (streams carry no audio yet). `?muted=0` asks for sound: where the browser
// refuses it without a gesture, the player plays muted and the page shows an unmute button.
if (new URLSearchParams(location.search).get('muted') === '0') video.muted = false;
const message = document.querySelector<HTMLElement>('[data-testid="player-message"]')!;
const name = streamNameFromLocation('watch');
document.title = name ? `${name} – Framewire` : 'Framewire';
const title = document.querySelector<HTMLElement>('[data-testid="stream-name"]');
if (title) title.textContent = name;
if (!name) setMessage(message, 'No stream name in the URL (expected /watch/NAME)', 'error');
else playStream(name, { video, message, overlayContainer: document.querySelector<HTMLElement>('.fw-stage')!, overlayVisible: true });
