/**
 * StatsOverlay: a small toggleable box over the video: capture → present latency with a sparkline
 * of the last 30 s, buffer, fps, bitrate, dropped frames, playback mode and reconnects
 * (ui/stats-format.ts has the text, ui/sparkline.ts the graph).
 *
 * Plain DOM, styled by `.fw-stats` in pages/player.css. Toggle: the "stats" button, or the `s` key
 * (not while typing in a field, not with Ctrl/Alt/Meta: Ctrl+S is the browser's "save page").
 * The history is kept while the box is hidden, so showing it shows the last 30 s at once.
 */
import type { PlayerStats } from '../stats/stats-collector.js';
import { Sparkline } from './sparkline.js';
import { formatStatsText } from './stats-format.js';

export interface StatsOverlayOptions {
  /** The key that toggles the overlay; '' = none. */
  key: string;
  /** Span of the latency sparkline, ms. */
  sparklineWindowMs: number;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
}

export class StatsOverlay {
  readonly element: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly body: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly sparkline: Sparkline;
  private readonly options: StatsOverlayOptions;
  private last: PlayerStats | null = null;
  private lastFrames = -1;
  private readonly onKey = (ev: KeyboardEvent): void => {
    if (!this.options.key || ev.key !== this.options.key || ev.ctrlKey || ev.altKey || ev.metaKey || isTyping(ev.target)) return;
    this.setVisible(!this.visible);
  };

  constructor(container: HTMLElement, private visible: boolean, options: Partial<StatsOverlayOptions> = {}) {
    this.options = { key: 's', sparklineWindowMs: 30_000, ...options };
    this.element = document.createElement('div');
    this.element.className = 'fw-stats';
    this.element.dataset['testid'] = 'stats-overlay';
    this.toggle = document.createElement('button');
    this.toggle.type = 'button';
    this.toggle.className = 'fw-stats-toggle';
    this.toggle.dataset['testid'] = 'stats-toggle';
    this.toggle.title = this.options.key ? `Show/hide stats (${this.options.key})` : 'Show/hide stats';
    this.toggle.textContent = 'stats';
    this.toggle.addEventListener('click', () => this.setVisible(!this.visible));
    this.panel = document.createElement('div');
    this.panel.className = 'fw-stats-panel';
    this.panel.dataset['testid'] = 'stats-panel';
    this.sparkline = new Sparkline({ windowMs: this.options.sparklineWindowMs });
    this.sparkline.canvas.dataset['testid'] = 'stats-sparkline';
    this.sparkline.canvas.title = `capture → present latency, last ${Math.round(this.options.sparklineWindowMs / 1000)} s`;
    this.body = document.createElement('pre');
    this.body.className = 'fw-stats-body';
    this.panel.append(this.sparkline.canvas, this.body);
    this.element.append(this.toggle, this.panel);
    container.append(this.element);
    document.addEventListener('keydown', this.onKey);
    this.setVisible(visible);
  }

  get shown(): boolean {
    return this.visible;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.panel.hidden = !visible;
    this.toggle.setAttribute('aria-pressed', String(visible));
    if (visible && this.last) this.render(this.last);
  }

  /** Called with every STATS event (~4 a second). */
  update(s: PlayerStats): void {
    this.last = s;
    // No frame presented since the last update (an outage, a suspended page): a gap, not the
    // last frame's latency drawn on as if nothing happened.
    const fresh = s.framesPresented !== this.lastFrames;
    this.lastFrames = s.framesPresented;
    this.sparkline.push(performance.now(), fresh ? s.latencyMs : null);
    if (this.visible) this.render(s);
  }

  destroy(): void {
    document.removeEventListener('keydown', this.onKey);
    this.element.remove();
  }

  private render(s: PlayerStats): void {
    this.body.textContent = formatStatsText(s);
    this.sparkline.draw(performance.now());
  }
}
