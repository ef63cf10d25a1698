/**
 * StatsOverlay: a small toggleable box over the video (latency, fps, bitrate, buffer, dropped).
 * Plain DOM; styled by `.fw-stats` in pages/player.css. Press "s" or click the toggle to switch.
 */
import type { PlayerStats } from '../stats/stats-collector.js';

const fmt = (v: number | null, unit: string, digits = 0): string => (v === null ? '–' : `${v.toFixed(digits)} ${unit}`);

export class StatsOverlay {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 's' && !(ev.target instanceof HTMLInputElement)) this.setVisible(!this.visible);
  };

  constructor(container: HTMLElement, private visible: boolean) {
    this.element = document.createElement('div');
    this.element.className = 'fw-stats';
    this.element.dataset['testid'] = 'stats-overlay';
    this.toggle = document.createElement('button');
    this.toggle.type = 'button';
    this.toggle.className = 'fw-stats-toggle';
    this.toggle.title = 'Show/hide stats (s)';
    this.toggle.textContent = 'stats';
    this.toggle.addEventListener('click', () => this.setVisible(!this.visible));
    this.body = document.createElement('pre');
    this.body.className = 'fw-stats-body';
    this.element.append(this.toggle, this.body);
    container.append(this.element);
    document.addEventListener('keydown', this.onKey);
    this.setVisible(visible);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.body.hidden = !visible;
    this.toggle.setAttribute('aria-pressed', String(visible));
  }

  update(s: PlayerStats): void {
    if (!this.visible) return;
    this.body.textContent = [
      `latency  ${fmt(s.latencyMs, 'ms')}  (p50 ${fmt(s.latencyP50Ms, 'ms')}, p95 ${fmt(s.latencyP95Ms, 'ms')})`,
      `fps      ${s.fps}`,
      `bitrate  ${s.bitrateKbps} kbit/s`,
      `buffer   ${fmt(s.bufferMs, 'ms')}  rate ${s.playbackRate.toFixed(2)}`,
      `dropped  ${s.droppedFrames}  skipped ${s.skippedFrames}  stalls ${s.stalls}`,
      `video    ${s.width}x${s.height} ${s.codec}`,
    ].join('\n');
  }

  destroy(): void {
    document.removeEventListener('keydown', this.onKey);
    this.element.remove();
  }
}
