/**
 * Autoplay: start playing without a click, muted when the browser refuses sound.
 *
 * Browsers refuse `play()` of an unmuted element until the user has interacted with the site
 * (Chrome's autoplay policy, Chrome 66; Safari and Firefox "block audible autoplay"): the promise
 * rejects with NotAllowedError, while muted playback is allowed (LOW-LATENCY.md "Traps":
 * "unmuted autoplay is blocked; start muted and offer unmute"). So: try as asked; on
 * NotAllowedError with sound, mute and try again, and tell the page so it can offer an unmute
 * control (a click is the gesture that then allows sound). Where even muted playback is refused
 * (Safari in Low Power Mode, a user setting "never autoplay"), the page must offer a play button.
 *
 * AbortError is not a refusal: pause(), a new `src` or a MediaSource re-attach interrupted the
 * request (HTML "play()" steps: pending play promises are rejected with AbortError).
 */

export interface PlayableMedia {
  muted: boolean;
  play(): Promise<void>;
}

export type AutoplayOutcome =
  /** Playing as asked (with sound if the element was unmuted). */
  | 'playing'
  /** Sound was refused: the element was muted and plays. */
  | 'playing-muted'
  /** Refused even muted: needs a user gesture. */
  | 'blocked'
  /** The request was interrupted (pause, new source): not an answer either way. */
  | 'interrupted'
  /** Another error (e.g. NotSupportedError: no playable source). */
  | 'failed';

export interface AutoplayResult {
  outcome: AutoplayOutcome;
  /** The refusal ('playing-muted': the refusal of sound), or the failure. */
  error?: Error;
}

const errorName = (e: unknown): string => (e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '');

/** play(); on NotAllowedError with sound, muted = true and play() again. Never rejects. */
export async function playWithMutedFallback(media: PlayableMedia): Promise<AutoplayResult> {
  let refusal: Error;
  try {
    await media.play();
    return { outcome: 'playing' };
  } catch (err) {
    const name = errorName(err);
    if (name === 'AbortError') return { outcome: 'interrupted' };
    if (name !== 'NotAllowedError') return { outcome: 'failed', error: err as Error };
    if (media.muted) return { outcome: 'blocked', error: err as Error };
    refusal = err as Error;
  }
  media.muted = true;
  try {
    await media.play();
    return { outcome: 'playing-muted', error: refusal };
  } catch (err) {
    const name = errorName(err);
    if (name === 'AbortError') return { outcome: 'interrupted' };
    return { outcome: name === 'NotAllowedError' ? 'blocked' : 'failed', error: err as Error };
  }
}

export interface AutoplayHandlers {
  /** Sound was refused and the element now plays muted: offer an unmute control. */
  mutedFallback(reason: string): void;
  /** Refused even muted: a user gesture (a play button) is needed. Reported once until playback starts. */
  blocked(reason: string): void;
  log(message: string): void;
  /**
   * The element is being paused by the player or the browser, not by the viewer: the page is
   * hidden (Chrome pauses video-only media in background tabs) or the player suspended it.
   */
  pauseIsOurs?(): boolean;
}

/**
 * One autoplay request at a time for one element: the player asks on every append while the
 * element is paused, and a pending play() must not be stacked with 30 more a second. After a
 * refusal it stops asking until the element plays (the user pressed play) or retry() is called.
 * A viewer's pause (controls, a media-chrome button, `video.pause()` from the page) stays a
 * pause: no request until the element is played again.
 */
export class AutoplayController {
  private inFlight = false;
  private blockedState = false;
  private viewerPaused = false;
  /**
   * Between 'play' and 'pause' events. pause() sets `paused` at once but its event comes a task
   * later; a request() in between (a frame appended meanwhile) would undo the viewer's pause
   * before it could be recognised, so a paused element still marked playing waits for its event.
   */
  private playingState = false;
  private destroyed = false;
  private readonly onPlaying = (): void => {
    this.blockedState = false;
  };
  private readonly onPlay = (): void => {
    this.viewerPaused = false;
    this.playingState = true;
  };
  /** A new source (HTML load algorithm: `paused` set without a pause event). */
  private readonly onEmptied = (): void => {
    this.playingState = false;
  };
  private readonly onPause = (): void => {
    this.playingState = false;
    const m = this.media;
    // Not the viewer's: the end of a stream, or a pause the player or the browser made
    // (pauseIsOurs). Whatever readyState says: a live element sitting at the end of its buffer
    // (every stall) reports HAVE_METADATA, and a viewer may well pause it then. A new MediaSource
    // sets `paused` without a pause event (HTML media element load algorithm).
    if (m.ended || this.handlers.pauseIsOurs?.()) return;
    this.viewerPaused = true;
  };

  constructor(private readonly media: PlayableMedia & Pick<HTMLMediaElement, 'paused' | 'ended' | 'addEventListener' | 'removeEventListener'>,
              private readonly handlers: AutoplayHandlers) {
    media.addEventListener('playing', this.onPlaying);
    media.addEventListener('play', this.onPlay);
    media.addEventListener('pause', this.onPause);
    media.addEventListener('emptied', this.onEmptied);
  }

  /** Waiting for a user gesture after a refusal. */
  get blocked(): boolean {
    return this.blockedState;
  }

  /** Plays the element if it is paused and nothing is pending or refused. */
  request(): void {
    if (this.destroyed || this.inFlight || this.blockedState || this.viewerPaused || !this.media.paused) return;
    if (this.playingState) return; // paused a moment ago: its pause event decides (see playingState)
    this.inFlight = true;
    const wasMuted = this.media.muted;
    void playWithMutedFallback(this.media).then((r) => {
      this.inFlight = false;
      if (this.destroyed) return;
      switch (r.outcome) {
        case 'playing-muted':
          this.handlers.mutedFallback(`playback with sound was refused (${r.error?.name ?? 'NotAllowedError'}): playing muted until the viewer unmutes`);
          break;
        case 'blocked':
          this.blockedState = true;
          this.handlers.blocked(`The browser refused to start playback${wasMuted ? '' : ' even muted'} (${r.error?.name ?? 'NotAllowedError'}): press play`);
          break;
        case 'failed':
          this.handlers.log(`play() failed: ${r.error?.name ?? ''} ${r.error?.message ?? ''}`);
          break;
        default:
          break;
      }
    });
  }

  /** Forget a refusal, so the next request() asks again (e.g. the page became visible again). */
  reset(): void {
    this.blockedState = false;
  }

  destroy(): void {
    this.destroyed = true;
    this.media.removeEventListener('playing', this.onPlaying);
    this.media.removeEventListener('play', this.onPlay);
    this.media.removeEventListener('pause', this.onPause);
    this.media.removeEventListener('emptied', this.onEmptied);
  }
}
