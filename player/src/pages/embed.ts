import { playStream, setMessage, streamNameFromLocation } from './page-player.js';
import './player.css';

const video = document.querySelector<HTMLVideoElement>('video')!;
const message = document.querySelector<HTMLElement>('[data-testid="player-message"]')!;
const params = new URLSearchParams(location.search);
// Autoplay needs muted; `?muted=0` asks for sound and shows the controls so the viewer can start it.
video.muted = params.get('muted') !== '0';
if (!video.muted) video.controls = true;
const name = streamNameFromLocation('embed');
if (!name) setMessage(message, 'No stream name in the URL (expected /embed/NAME)', 'error');
else if (params.get('stats') === '1') playStream(name, { video, message, overlayContainer: document.querySelector<HTMLElement>('.fw-stage')!, overlayVisible: true });
else playStream(name, { video, message }); // just the video
