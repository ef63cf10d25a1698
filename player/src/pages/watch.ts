import { playStream, setMessage, streamNameFromLocation } from './page-player.js';
import './player.css';

const video = document.querySelector<HTMLVideoElement>('video')!;
const message = document.querySelector<HTMLElement>('[data-testid="player-message"]')!;
const name = streamNameFromLocation('watch');
document.title = name ? `${name} – Framewire` : 'Framewire';
const title = document.querySelector<HTMLElement>('[data-testid="stream-name"]');
if (title) title.textContent = name;
if (!name) setMessage(message, 'No stream name in the URL (expected /watch/NAME)', 'error');
else playStream(name, { video, message, overlayContainer: document.querySelector<HTMLElement>('.fw-stage')!, overlayVisible: true });
