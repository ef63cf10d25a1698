/**
 * FallbackController: carries out the fallback chain decided by selectMode() (mode-selector.ts).
 * It owns the current mode, the first-connection timer of the WebSocket path and the HLS engine
 * (hls.js or native) once the player leaves the WebSocket; the player facade owns the WebSocket
 * path itself and is driven through FallbackHost.
 *
 *   attachMedia → selectMode(start): WebSocket path (the facade opens its MediaSource at once), or HLS
 *   load        → start(): the chosen mode, + `wsConnectTimeoutMs` timer on the WebSocket path
 *   first socket message → wsEstablished(): the timer stops; reconnects stay on the WebSocket
 *   timer runs out       → selectMode(ws-timeout): usually hls.js
 *   MSE rejects the codec → selectMode(codec-rejected): native HLS where the element claims the codec
 */
import type { PlayerConfig } from '../config.js';
import { ErrorDetails, ErrorTypes, type PlayerErrorData } from '../errors.js';
import { withToken } from '../hls/hls-config.js';
import { HlsController } from '../hls/hls-controller.js';
import type { HlsLatency, HlsPlayback, HlsPlaybackHandlers } from '../hls/hls-playback.js';
import { NativeHlsController } from '../hls/native-hls-controller.js';
import { detectCapabilities, nativeHlsPlaysCodec } from './capabilities.js';
import { hlsPlaylistUrl } from './hls-url.js';
import { isWsMode, selectMode, type ModeDecision, type PlaybackCapabilities, type PlaybackMode, type SwitchReason } from './mode-selector.js';

export interface FallbackHost {
  readonly config: Readonly<PlayerConfig>;
  /** Whether the player stopped for good (a fatal error was reported). */
  isFatal(): boolean;
  /** Starts the WebSocket path (socket and remuxer; the MediaSource was opened at attachMedia()). */
  startWs(): void;
  /** Tears the WebSocket path down (socket, remuxer, MediaSource, latency controller). */
  stopWs(): void;
  /** A mode was chosen or changed: the facade emits MODE_CHANGE. */
  modeChanged(data: { mode: PlaybackMode; previous: PlaybackMode | null; reason: SwitchReason; url: string }): void;
  error(e: PlayerErrorData): void;
  /** Where the stats take the capture time of a presented frame from in HLS modes. */
  setCaptureTimeSource(source: (mediaTime: number) => number | undefined): void;
  framesPresented(): number;
  hlsEvents: Pick<HlsPlaybackHandlers, 'onBytes' | 'onVideoInfo' | 'requestPlay' | 'log'>;
}

export class FallbackController {
  readonly caps: PlaybackCapabilities;
  /** The decision taken at attachMedia(), carried out by start(). */
  readonly initial: ModeDecision;
  private current: PlaybackMode | null = null;
  private hls: HlsPlayback | null = null;
  private hlsUrl = '';
  private streamName = '';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private established = false;
  private destroyed = false;
  /** Set when MSE rejected the codec and native HLS was tried instead: the message if that fails too. */
  private codecRejection: string | null = null;

  constructor(private readonly video: HTMLVideoElement, private readonly host: FallbackHost) {
    this.caps = detectCapabilities(video, host.config.preferManagedMediaSource);
    this.initial = selectMode(this.caps, host.config.fallback, { kind: 'start' });
  }

  get mode(): PlaybackMode | null {
    return this.current;
  }

  /** The initial decision is the WebSocket path (the facade then opens its MediaSource early). */
  get startsOnWebSocket(): boolean {
    return this.initial.action === 'play' && isWsMode(this.initial.mode);
  }

  /** load(): play `wsUrl` (its LL-HLS twin is derived from it) the way decided at attachMedia(). */
  start(wsUrl: string, streamName: string): void {
    this.streamName = streamName;
    this.hlsUrl = hlsPlaylistUrl(wsUrl, this.host.config.hlsUrl, typeof location !== 'undefined' ? location.href : undefined);
    const d = this.initial;
    if (d.action !== 'play') return; // nothing can play it: the facade reported that at attachMedia()
    if (!isWsMode(d.mode)) {
      this.startHls(d.mode, d.reason);
      return;
    }
    this.setMode(d.mode, d.reason, wsUrl);
    if (this.host.config.fallback !== 'ws') this.timer = setTimeout(this.onConnectTimeout, this.host.config.wsConnectTimeoutMs);
    this.host.startWs();
  }

  /** The socket delivered its first message: from now on reconnects stay on the WebSocket. */
  wsEstablished(): void {
    if (this.established) return;
    this.established = true;
    this.stopTimer();
  }

  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * MSE rejected the codec on the WebSocket path (called from inside the append). True: a switch
   * to native HLS follows and the facade reports nothing; false: the error is final.
   */
  codecRejectedByMse(codec: string, message: string): boolean {
    const d = selectMode(this.caps, this.host.config.fallback, { kind: 'codec-rejected', nativeHlsPlaysCodec: nativeHlsPlaysCodec(this.video, codec) });
    if (d.action !== 'play') return false;
    queueMicrotask(() => this.switchForCodec(d.mode, message)); // once the remux callback has returned
    return true;
  }

  /** The page is hidden (lifecycle/visibility.ts): the HLS engine stops loading. */
  suspendHls(): void {
    this.hls?.suspend();
  }

  /** Visible again: the HLS engine loads again from the live edge; `atLiveEdge`: see HlsPlayback.resume. */
  resumeHls(atLiveEdge?: () => void): void {
    if (this.hls) this.hls.resume(atLiveEdge);
    else atLiveEdge?.();
  }

  /** hls.js: live edge latency and target, for the stats. */
  latency(): HlsLatency | null {
    return this.hls?.latency() ?? null;
  }

  /**
   * A fatal error about to be reported: when native HLS, tried because MSE rejected the codec,
   * failed before it really played, the codec is what the viewer should read about (Chromium's
   * native HLS shows one frame of High 10, then only says DEMUXER_ERROR_COULD_NOT_PARSE).
   */
  explain(e: PlayerErrorData): PlayerErrorData {
    const played = this.hls?.hasPlayed?.() ?? this.host.framesPresented() > 0;
    if (!e.fatal || this.codecRejection === null || played) return e;
    return { type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.CODEC_UNSUPPORTED, fatal: true, reason: this.codecRejection };
  }

  destroy(): void {
    this.destroyed = true;
    this.stopTimer();
    this.hls?.destroy();
    this.hls = null;
  }

  private setMode(mode: PlaybackMode, reason: SwitchReason, url: string): void {
    const previous = this.current;
    this.current = mode;
    this.host.modeChanged({ mode, previous, reason, url });
  }

  /**
   * The first socket gave no message within `wsConnectTimeoutMs` (blocked by a proxy or firewall,
   * or a server that never answers): fall back once. An open socket that stays silent counts as
   * not established, since a proxy may accept the upgrade and pass nothing.
   */
  private readonly onConnectTimeout = (): void => {
    this.timer = null;
    if (this.established || this.host.isFatal()) return;
    const d = selectMode(this.caps, this.host.config.fallback, { kind: 'ws-timeout' });
    if (d.action !== 'play') return; // 'stay': keep reconnecting
    // Is the server there at all? A page opened before its server started must not end up on
    // LL-HLS for good: while the playlist cannot be fetched either, stay on the (reconnecting)
    // WebSocket and ask again after another timeout. Any HTTP answer, a 404 included, means the
    // server is up and only the WebSocket is in the way.
    fetch(this.hlsUrl, { cache: 'no-store' }).then(() => {
      if (this.destroyed || this.established || this.host.isFatal() || this.current !== this.initialMode) return;
      this.host.hlsEvents.log(`no WebSocket within ${this.host.config.wsConnectTimeoutMs} ms: switching to ${d.mode}`);
      this.host.stopWs();
      this.startHls(d.mode, d.reason);
    }, (err: Error) => {
      if (this.destroyed || this.established || this.host.isFatal()) return;
      this.host.hlsEvents.log(`no WebSocket and no playlist either (${err.message}): server unreachable, staying on the WebSocket`);
      this.timer = setTimeout(this.onConnectTimeout, this.host.config.wsConnectTimeoutMs);
    });
  };

  private get initialMode(): PlaybackMode | null {
    return this.initial.action === 'play' ? this.initial.mode : null;
  }

  private switchForCodec(mode: PlaybackMode, message: string): void {
    if (this.host.isFatal() || mode === this.current) return;
    this.host.hlsEvents.log(`${message}: switching to ${mode}`);
    this.codecRejection = message;
    this.host.stopWs();
    this.startHls(mode, 'codec-rejected');
  }

  /** hls.js's MediaSource rejected the codec: native HLS where the element claims it, else final. */
  private onHlsCodecRejected(codec: string, reason: string): void {
    if (this.host.isFatal()) return;
    const message = `This browser cannot play ${codec || 'this stream'} (${reason})`;
    const d = selectMode(this.caps, this.host.config.fallback, { kind: 'codec-rejected', nativeHlsPlaysCodec: nativeHlsPlaysCodec(this.video, codec) });
    if (d.action === 'play' && d.mode !== this.current) this.switchForCodec(d.mode, message);
    else this.host.error({ type: ErrorTypes.MEDIA_ERROR, details: ErrorDetails.CODEC_UNSUPPORTED, fatal: true, reason: message });
  }

  /** LL-HLS through hls.js or the element's own HLS; latency from EXT-X-PROGRAM-DATE-TIME. */
  private startHls(mode: PlaybackMode, reason: SwitchReason): void {
    this.hls?.destroy();
    const handlers: HlsPlaybackHandlers = {
      ...this.host.hlsEvents,
      onError: (e) => this.host.error(e),
      onCodecRejected: (codec, why) => this.onHlsCodecRejected(codec, why),
    };
    const config = this.host.config;
    const hls: HlsPlayback = mode === 'native-hls'
      ? // The element fetches parts and segments itself: the token rides in the playlist URL and
        // the server repeats it in every media URI (server/src/hls/playlist.ts).
        new NativeHlsController(this.video, config.token ? withToken(this.hlsUrl, config.token) : this.hlsUrl, config, this.streamName, handlers)
      : new HlsController(this.video, this.hlsUrl, config, this.streamName, handlers);
    this.hls = hls;
    this.host.setCaptureTimeSource((t) => hls.captureTimeAt(t));
    this.setMode(mode, reason, this.hlsUrl);
    hls.start();
  }
}
