/**
 * UnmuteButton: the control a muted autoplay needs (lifecycle/autoplay.ts). Browsers let a page
 * start sound only from a user gesture, so the player plays muted and this button, pressed, is
 * that gesture: it unmutes (and plays, if the browser refused even muted playback).
 *
 * Two faces: `unmute` after AUTOPLAY_MUTED, `play` after an AUTOPLAY_BLOCKED error. It hides
 * itself once the element is unmuted and playing (also when that happens another way, e.g. the
 * native controls). Styled by `.fw-unmute` in pages/player.css (`::part(unmute)` in `<framewire-player>`).
 */

export type UnmuteButtonMode = 'unmute' | 'play';

const LABELS: Record<UnmuteButtonMode, string> = { unmute: '🔇 Tap to unmute', play: '▶ Play' };

export class UnmuteButton {
  readonly element: HTMLButtonElement;
  private mode: UnmuteButtonMode = 'unmute';
  private readonly onMediaChange = (): void => {
    if (this.mode === 'unmute' ? !this.video.muted : !this.video.paused) this.hide();
  };

  constructor(container: ParentNode, private readonly video: HTMLVideoElement) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'fw-unmute';
    b.dataset['testid'] = 'unmute';
    b.hidden = true;
    b.addEventListener('click', this.onClick);
    this.element = b;
    container.append(b);
    video.addEventListener('volumechange', this.onMediaChange);
    video.addEventListener('playing', this.onMediaChange);
  }

  show(mode: UnmuteButtonMode): void {
    this.mode = mode;
    this.element.textContent = LABELS[mode];
    this.element.dataset['mode'] = mode;
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }

  destroy(): void {
    this.video.removeEventListener('volumechange', this.onMediaChange);
    this.video.removeEventListener('playing', this.onMediaChange);
    this.element.remove();
  }

  private readonly onClick = (): void => {
    const v = this.video;
    v.muted = false;
    if (v.volume === 0) v.volume = 1;
    // Inside the click handler: the gesture that lets play() start with sound.
    this.hide();
    if (v.paused) v.play().catch(() => this.show(this.mode)); // refused again: the button comes back
  };
}
