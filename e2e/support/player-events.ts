/**
 * Records the page player's events from its creation on: an init script catches the assignment of
 * `window.framewire` (page-player.ts) and subscribes before load() runs, so the first MODE_CHANGE
 * is not missed. Each record carries performance.now() (ms since navigation start).
 */
import type { Page } from '@playwright/test';

export interface RecordedEvent {
  event: string;
  /** ms since navigation start (performance.now() in the page). */
  t: number;
  data: Record<string, unknown>;
}

declare global {
  interface Window {
    __fwEvents: RecordedEvent[];
  }
}

export async function recordPlayerEvents(page: Page, events: string[]): Promise<void> {
  await page.addInitScript((names: string[]) => {
    const w = window as unknown as { __fwEvents: RecordedEvent[] };
    w.__fwEvents = [];
    let player: { on(ev: string, fn: (e: Record<string, unknown>) => void): void } | undefined;
    Object.defineProperty(window, 'framewire', {
      configurable: true,
      get: () => player,
      set: (p: typeof player) => {
        player = p;
        for (const name of names) p?.on(name, (data) => w.__fwEvents.push({ event: name, t: performance.now(), data: { ...data } }));
      },
    });
  }, events);
}

export async function recordedEvents(page: Page, event?: string): Promise<RecordedEvent[]> {
  const all = await page.evaluate(() => window.__fwEvents);
  return event ? all.filter((e) => e.event === event) : all;
}

/** The player's own log lines about seeks and suspension (pages opened with `?fw.debug=true`). */
export function playerDecisions(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (/\[framewire\] (seek|hidden|visible)/.test(m.text())) lines.push(m.text().replace('[framewire] ', ''));
  });
  return lines;
}
