/**
 * The remux worker protocol (mpegts.js *-cmd-def.ts style). Every message carries the instance
 * number of the RemuxInterface that owns it, so late messages from a previous load() are dropped.
 * ArrayBuffers always travel in the transfer list.
 */
import type { RemuxerOptions, RemuxResult, RemuxSkipReason } from './fmp4-remuxer.js';

export type WorkerCommand =
  /** Create a fresh remuxer for this instance. */
  | { cmd: 'init'; instanceNo: number; options?: RemuxerOptions }
  /** One WS binary message (header + AVCC payload), transferred. */
  | { cmd: 'push'; instanceNo: number; data: ArrayBuffer }
  /** The next frame continues the timeline (after a reconnect). */
  | { cmd: 'discontinuity'; instanceNo: number }
  | { cmd: 'reset'; instanceNo: number }
  | { cmd: 'destroy'; instanceNo: number };

export type WorkerMessage =
  | { type: 'ready'; instanceNo: number }
  | { type: 'remuxed'; instanceNo: number; result: RemuxResult }
  | { type: 'skipped'; instanceNo: number; sequence: number; reason: RemuxSkipReason }
  | { type: 'error'; instanceNo: number; message: string; sequence: number }
  | { type: 'log'; instanceNo: number; level: 'debug' | 'warn' | 'error'; message: string };

/** The transfer list for a result: its init segment and fragment buffers. */
export function transferList(result: RemuxResult): ArrayBuffer[] {
  return result.init ? [result.init.data, result.fragment] : [result.fragment];
}
