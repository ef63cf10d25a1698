/** Every media timestamp in Framewire is in 90 kHz ticks (MPEG-2 systems clock; mux.js hard-codes it in mdhd). */
export const TIMESCALE = 90_000;

export const msToTicks = (ms: number): number => Math.round((ms * TIMESCALE) / 1000);
export const ticksToMs = (ticks: number): number => (ticks * 1000) / TIMESCALE;
export const ticksToSeconds = (ticks: number): number => ticks / TIMESCALE;
/** Nominal duration of one frame at `fps`, exact as a float (29.97 fps → 3003 ticks). */
export const frameTicks = (fps: number): number => TIMESCALE / fps;
