import { playStream, setMessage, streamNameFromLocation } from './page-player.js';
import './player.css';

/**
 * /embed/NAME: just the video, for an <iframe> on another site (README "Embedding"). Options in
 * the query: `muted=0` (sound: shows the controls, since browsers block autoplay with sound),
 * `autoplay=0` (wait for the viewer: shows the controls), `controls=1` / `controls=0` (force them),
 * `stats=1` (the stats overlay), and the player's own `fallback=`, `token=`, `fw.KEY=`.
 */
const video = document.querySelector<HTMLVideoElement>('video')!;
const message = document.querySelector<HTMLElement>('[data-testid="player-message"]')!;
const params = new URLSearchParams(location.search);
const off = (key: string): boolean => params.get(key) === '0' || params.get(key) === 'false';
const on = (key: string): boolean => params.get(key) === '1' || params.get(key) === 'true';
video.muted = !off('muted');
video.autoplay = !off('autoplay');
// Without autoplay, or with sound (which browsers only start after a gesture), the viewer needs a play button.
video.controls = on('controls') || (!off('controls') && (!video.muted || !video.autoplay));
const name = streamNameFromLocation('embed');
if (!name) setMessage(message, 'No stream name in the URL (expected /embed/NAME)', 'error');
else if (on('stats')) playStream(name, { video, message, overlayContainer: document.querySelector<HTMLElement>('.fw-stage')!, overlayVisible: true });
else playStream(name, { video, message }); // just the video
