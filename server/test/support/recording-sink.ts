import type { AccessUnit } from '@framewire/shared';
import type { SourceSink } from '../../src/sources/source.js';

/** A SourceSink that records what a source reports, with arrival times, for source-level tests. */
export class RecordingSink implements SourceSink {
  readonly units: (AccessUnit & { at: number })[] = [];
  readonly events: { kind: 'ended' | 'restarting' | 'failed'; reason: string; at: number }[] = [];

  accessUnit(au: AccessUnit): void {
    this.units.push({ ...au, at: performance.now() });
  }
  ended(reason: string): void {
    this.events.push({ kind: 'ended', reason, at: performance.now() });
  }
  restarting(reason: string): void {
    this.events.push({ kind: 'restarting', reason, at: performance.now() });
  }
  failed(err: Error): void {
    this.events.push({ kind: 'failed', reason: err.message, at: performance.now() });
  }

  async until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate()) {
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for ${what} (${this.units.length} units, events ${JSON.stringify(this.events)})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
