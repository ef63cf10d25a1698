/**
 * What the pages expose for debugging and tests (player/src/pages): `window.framewire` (watch and
 * embed pages) and `window.framewireGrid` (grid page). Typed here by shape, without importing the
 * player, and used through a cast (`window as unknown as FwWindow`) so no global declaration can
 * clash with another spec's.
 */
export interface PageStats {
  framesPresented: number;
  latencyMs: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  droppedFrames: number;
  stalls: number;
  seeks: number;
  reconnects: number;
  width: number;
  height: number;
  mode: string;
}

export interface FwWindow {
  framewire?: { stats: PageStats };
  framewireGrid?: Array<{ name: string; player: { stats: PageStats }; cell: HTMLElement }>;
}
