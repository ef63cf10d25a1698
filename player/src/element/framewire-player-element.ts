/**
 * `<framewire-player src="demo" autoplay muted>`: the player as a custom element (go2rtc
 * www/video-rtc.js is the model for the lifecycle). Registration is elsewhere (define.ts), so this
 * module has no side effects and the class can be registered under another name:
 * `customElements.define('my-player', class extends FramewirePlayerElement {})`.
 *
 * Shadow DOM, not light DOM: the <video> is the element's own business. The page's CSS
 * (`video { … }`) and scripts that query `video` do not reach it, and media-chrome sees one media
 * element (the host, `slot="media"`), which behaves like a <video>: the HTMLMediaElement API is
 * forwarded to the inner one and its media events are dispatched again on the host
 * (media-forwarding.ts). Styling goes through the host's box and `::part(video)`.
 *
 * Events on the host, besides the media events:
 *   `framewire:<event>`  every PlayerEvents event, lower case (`framewire:stats`,
 *                        `framewire:modechange`, `framewire:error`, …), `detail` = its data;
 *   `error`              a CustomEvent whose `detail` says what failed (ElementErrorDetail): a bad
 *                        attribute, a fatal player error, or the <video>'s own error.
 *   `framewire:autoplaymuted`  `autoplay` without `muted` where the browser refuses sound: the
 *                        element plays muted and shows an unmute button (`::part(unmute)`).
 * Nothing is ever thrown from an attribute change into the page.
 */
import { FramewirePlayer } from '../player.js';
import type { PlayerConfig } from '../config.js';
import { ErrorDetails, ErrorTypes, type PlayerErrorData } from '../errors.js';
import { PlayerEvents, type PlayerListeners } from '../events.js';
import type { PlaybackMode } from '../fallback/mode-selector.js';
import { AutoplayController } from '../lifecycle/autoplay.js';
import type { PlayerStats } from '../stats/stats-collector.js';
import { UnmuteButton } from '../ui/unmute-button.js';
import { configFromAttributes, OBSERVED_ATTRIBUTES, PLAYER_ATTRIBUTES, streamSocketUrl, type ObservedAttribute } from './element-attributes.js';
import { forwardMediaApi, MEDIA_EVENTS, type ForwardedMediaApi } from './media-forwarding.js';

/** The `detail` of the host's `error` events. */
export type ElementErrorDetail =
  | { source: 'attribute'; attribute: ObservedAttribute; value: string; reason: string }
  | ({ source: 'player' } & PlayerErrorData)
  | { source: 'media'; code: number; reason: string }
  /** A bad `config` property, or something the element did not expect: reported, never thrown into the page. */
  | { source: 'element'; reason: string };

/** The library is imported in Node too (its remuxer, SSR): there the class must still be definable. */
const ElementBase: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

const STYLE = `
:host { display: inline-block; position: relative; width: 640px; max-width: 100%; aspect-ratio: 16 / 9; background: #000; overflow: hidden; }
:host([hidden]) { display: none; }
video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; background: #000; }
[part="message"] { position: absolute; inset: auto 0 45% 0; margin: 0 auto; width: fit-content; max-width: 90%; padding: .5em .9em;
  border-radius: 6px; background: rgba(0, 0, 0, .75); color: #ff8a80; font: 14px/1.4 system-ui, sans-serif; text-align: center; }
[part="message"][hidden] { display: none; }
[part="unmute"] { position: absolute; left: 12px; bottom: 12px; font: 600 14px/1 system-ui, sans-serif; padding: .6em .9em;
  background: rgba(0, 0, 0, .7); color: #fff; border: 1px solid #888; border-radius: 6px; cursor: pointer; }
[part="unmute"][hidden] { display: none; }
`;

/** `framewire:<event>` for every PlayerEvents event, with its data as `detail`. */
export type FramewirePlayerEventMap = {
  [E in Exclude<PlayerEvents, PlayerEvents.DESTROYING> as `framewire:${Lowercase<`${E}`>}`]: CustomEvent<Parameters<PlayerListeners[E]>[0]>;
};

/**
 * The host's events: the <video>'s, dispatched again as plain Events (`error` excepted), and the
 * player's.
 */
export type FramewirePlayerElementEventMap =
  Omit<HTMLVideoElementEventMap, 'error' | 'encrypted' | 'enterpictureinpicture' | 'leavepictureinpicture'>
  & { error: CustomEvent<ElementErrorDetail>; encrypted: Event; enterpictureinpicture: Event; leavepictureinpicture: Event }
  & FramewirePlayerEventMap;

export interface FramewirePlayerElement extends ForwardedMediaApi {
  addEventListener<K extends keyof FramewirePlayerElementEventMap>(type: K, listener: (this: FramewirePlayerElement, ev: FramewirePlayerElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof FramewirePlayerElementEventMap>(type: K, listener: (this: FramewirePlayerElement, ev: FramewirePlayerElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

export class FramewirePlayerElement extends ElementBase {
  static get observedAttributes(): string[] {
    return [...OBSERVED_ATTRIBUTES];
  }

  /**
   * Where a bare stream name (`src="demo"`) is played from when the element has no `server`
   * attribute; null = the page's own origin. The `<script>` build sets it to the directory the
   * script was loaded from, so an element on another site finds its server.
   */
  static defaultServer: string | null = null;

  /** Removed from the page for this long (ms), the player stops; moving the element within the page does not restart it. */
  static disconnectGraceMs = 1000;

  /** Player config under the attributes (any PlayerConfig key; the attributes win). Set it before `src`, or the player restarts. */
  private extraConfig: Partial<PlayerConfig> = {};
  private readonly videoElement: HTMLVideoElement;
  private readonly messageElement: HTMLElement;
  private playerInstance: FramewirePlayer | null = null;
  private rebuildQueued = false;
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unmuteButton: UnmuteButton;
  private readonly autoplayController: AutoplayController;
  /** The muted-autoplay fallback runs once per source (see autoplayWithFallback). */
  private autoplayTried = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    const video = document.createElement('video');
    video.setAttribute('part', 'video');
    video.playsInline = true; // iOS would otherwise go fullscreen on play
    const message = document.createElement('div');
    message.setAttribute('part', 'message');
    message.setAttribute('role', 'status');
    message.hidden = true;
    root.append(style, video, message);
    this.videoElement = video;
    this.messageElement = message;
    this.unmuteButton = new UnmuteButton(root, video);
    this.unmuteButton.element.setAttribute('part', 'unmute');
    this.autoplayController = new AutoplayController(video, {
      mutedFallback: (reason) => {
        this.unmuteButton.show('unmute');
        this.dispatchEvent(new CustomEvent('framewire:autoplaymuted', { detail: { reason } }));
      },
      blocked: (reason) => {
        this.unmuteButton.show('play');
        this.dispatchEvent(new CustomEvent('framewire:error', { detail: { type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.AUTOPLAY_BLOCKED, fatal: false, reason } }));
      },
      log: (message) => console.debug(`<${this.localName}>: ${message}`),
    });
    for (const type of MEDIA_EVENTS) video.addEventListener(type, this.forwardMediaEvent);
    video.addEventListener('canplay', () => this.autoplayWithFallback());
  }

  /** The <video> inside the shadow root (for requestVideoFrameCallback, captureStream, styling from script). */
  get video(): HTMLVideoElement {
    return this.videoElement;
  }

  /** The FramewirePlayer now playing `src` (a new one after each change of src, server, target-latency, fallback or token); null without src. */
  get player(): FramewirePlayer | null {
    return this.playerInstance;
  }

  /** Capture → present latency of the last presented frame, seconds; null before the first frame. */
  get latency(): number | null {
    return this.playerInstance?.latency ?? null;
  }

  /** The LL-HLS engine's target latency, seconds; null on the WebSocket path, which has no target (it plays each frame at once). */
  get targetLatency(): number | null {
    return this.playerInstance?.targetLatency ?? null;
  }

  /** 'ws' | 'mms' | 'hls.js' | 'native-hls', or null before playback starts. */
  get mode(): PlaybackMode | null {
    return this.playerInstance?.mode ?? null;
  }

  get stats(): PlayerStats | null {
    return this.playerInstance?.stats ?? null;
  }

  /** Player config under the attributes. Setting it restarts the player. */
  get config(): Partial<PlayerConfig> {
    return { ...this.extraConfig };
  }

  set config(value: Partial<PlayerConfig>) {
    this.extraConfig = { ...value };
    this.queueRebuild();
  }

  /** media-chrome: a live stream without a seekable window (its LIVE indicator, no DVR scrubbing). */
  get streamType(): 'live' {
    return 'live';
  }

  get targetLiveWindow(): number {
    return 0;
  }

  // The stream attributes reflected as properties (like <video>'s src, autoplay and controls).
  get src(): string {
    return this.getAttribute('src') ?? '';
  }

  set src(value: string) {
    this.setAttribute('src', value);
  }

  get autoplay(): boolean {
    return this.hasAttribute('autoplay');
  }

  set autoplay(on: boolean) {
    this.toggleAttribute('autoplay', on);
  }

  get controls(): boolean {
    return this.hasAttribute('controls');
  }

  set controls(on: boolean) {
    this.toggleAttribute('controls', on);
  }

  /** Restarts the player from `src` (a new connection, at the live edge). */
  load(): void {
    this.queueRebuild();
  }

  connectedCallback(): void {
    if (this.disconnectTimer !== null) {
      clearTimeout(this.disconnectTimer);
      this.disconnectTimer = null;
    }
    if (!this.playerInstance) this.queueRebuild();
  }

  disconnectedCallback(): void {
    if (this.disconnectTimer !== null) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = setTimeout(() => {
      this.disconnectTimer = null;
      if (!this.isConnected) this.stopPlayer();
    }, FramewirePlayerElement.disconnectGraceMs);
  }

  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void {
    if (oldValue === value) return;
    try {
      const video = this.videoElement;
      switch (name) {
        case 'muted':
          video.muted = value !== null;
          break;
        case 'controls':
          video.controls = value !== null;
          break;
        case 'autoplay':
          // The element's own autoplay (HTML "autoplaying flag"): playback starts when data arrives,
          // and a viewer's pause stays a pause; the player's `autoPlay` would resume it at the next frame.
          video.autoplay = value !== null;
          this.autoplayTried = false;
          if (value !== null && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) this.autoplayWithFallback();
          break;
        default:
          if (PLAYER_ATTRIBUTES.has(name)) this.queueRebuild();
      }
    } catch (err) {
      this.reportError({ source: 'attribute', attribute: name as ObservedAttribute, value: value ?? '', reason: (err as Error).message });
    }
  }

  /** One rebuild per task, however many attributes change together (the parser sets them one by one). */
  private queueRebuild(): void {
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    queueMicrotask(() => {
      this.rebuildQueued = false;
      try {
        this.rebuild();
      } catch (err) {
        // Nothing here should throw, but a page must never see it if it does.
        this.reportError({ source: 'element', reason: `could not start the player: ${(err as Error).message}` });
      }
    });
  }

  private rebuild(): void {
    this.stopPlayer();
    this.showMessage('');
    const src = this.getAttribute('src');
    if (!this.isConnected || src === null || src.trim() === '') return;
    const { config, problems } = configFromAttributes((n) => this.getAttribute(n));
    for (const p of problems) this.reportError({ source: 'attribute', ...p });
    let url: string;
    try {
      url = streamSocketUrl(src, this.getAttribute('server') ?? FramewirePlayerElement.defaultServer, document.baseURI);
    } catch (err) {
      const attribute: ObservedAttribute = /^server=/.test((err as Error).message) ? 'server' : 'src';
      this.reportError({ source: 'attribute', attribute, value: this.getAttribute(attribute) ?? '', reason: (err as Error).message });
      return;
    }
    let player: FramewirePlayer;
    try {
      // autoPlay off: the <video>'s autoplay attribute decides (see attributeChangedCallback).
      player = new FramewirePlayer({ ...this.extraConfig, ...config, autoPlay: false });
    } catch (err) {
      // A bad `config` property (PlayerConfigError): the attributes alone always make a valid config.
      this.reportError({ source: 'element', reason: `config: ${(err as Error).message}` });
      return;
    }
    this.playerInstance = player;
    for (const event of Object.values(PlayerEvents)) {
      if (event === PlayerEvents.DESTROYING) continue;
      player.on(event, (data: unknown) => this.dispatchEvent(new CustomEvent(`framewire:${event.toLowerCase()}`, { detail: data })));
    }
    player.on(PlayerEvents.ERROR, (e) => {
      // A fatal element error was dispatched from the <video>'s `error` event already; its message
      // (which names the likely cause) is the player's.
      if (e.fatal) this.reportError({ source: 'player', ...e }, e.details !== ErrorDetails.MEDIA_ELEMENT_ERROR);
    });
    player.on(PlayerEvents.FIRST_FRAME, () => this.showMessage(''));
    player.attachMedia(this.videoElement);
    player.load(url);
  }

  private stopPlayer(): void {
    this.playerInstance?.destroy();
    this.playerInstance = null;
    this.autoplayTried = false;
  }

  /**
   * `autoplay` where the browser refuses sound (Chrome's autoplay policy: no user activation yet):
   * the video's own autoplay then simply does not start, with no event. So once the first frame
   * can play and the video is still paused, play() is asked for; refused with sound, the video is
   * muted and plays, and the unmute button (a click is the gesture that allows sound) is shown.
   * Once per source: a viewer's later pause stays a pause.
   */
  private autoplayWithFallback(): void {
    if (this.autoplayTried || !this.hasAttribute('autoplay') || !this.videoElement.paused) return;
    this.autoplayTried = true;
    this.autoplayController.reset();
    this.autoplayController.request();
  }

  private showMessage(text: string): void {
    this.messageElement.textContent = text;
    this.messageElement.hidden = text === '';
  }

  private readonly forwardMediaEvent = (ev: Event): void => {
    if (ev.type === 'error') {
      const err = this.videoElement.error;
      // An error after the player let go of the element (emptied by destroy()) is not news.
      if (!err || !this.playerInstance) return;
      this.reportError({ source: 'media', code: err.code, reason: `media element error ${err.code}${err.message ? `: ${err.message}` : ''}` });
      return;
    }
    this.dispatchEvent(new Event(ev.type));
  };

  /**
   * Console + `error` event. Only what stops playback is shown over the video: a bad attribute
   * is ignored (the default applies), and the <video>'s own error may still be recovered from
   * (the player says whether it was fatal).
   */
  private reportError(detail: ElementErrorDetail, dispatch = true): void {
    // The <video>'s error may still be recovered from; the player's fatal error that follows says so.
    (detail.source === 'media' ? console.warn : console.error)(`<${this.localName}>: ${detail.reason}`);
    if (detail.source === 'player' || detail.source === 'element') this.showMessage(detail.reason);
    if (dispatch) this.dispatchEvent(new CustomEvent<ElementErrorDetail>('error', { detail }));
  }
}

forwardMediaApi(FramewirePlayerElement.prototype, (host) => (host as FramewirePlayerElement).video);
