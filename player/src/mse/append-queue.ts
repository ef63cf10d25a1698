/**
 * AppendQueue: serialized SourceBuffer operations (hls.js buffer-operation-queue.ts, mpegts.js
 * _doAppendSegments). An operation starts only when the buffer is not `updating`; the next one
 * starts on `updateend`. QuotaExceededError → trim the back buffer, then retry the same append
 * once; errors are surfaced through `onError`, never swallowed.
 */

export type BufferOperation =
  | { kind: 'append'; data: ArrayBuffer; label: string }
  | { kind: 'remove'; start: number; end: number }
  /** Runs between operations, when the buffer is idle (changeType). */
  | { kind: 'callback'; fn: () => void };

export interface AppendQueueHandlers {
  /** An append finished (updateend). */
  onAppended(label: string): void;
  /** A QuotaExceededError: return the range to remove (or null if nothing can be trimmed). */
  onQuotaExceeded(): { start: number; end: number } | null;
  onError(kind: 'append' | 'remove' | 'quota', error: Error, label: string): void;
}

function isQuotaExceeded(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22);
}

export class AppendQueue {
  private readonly queue: BufferOperation[] = [];
  private current: BufferOperation | null = null;
  private quotaRetried = false;
  private readonly onUpdateEnd = (): void => this.finish();
  private readonly onSbError = (): void => {
    const op = this.current;
    this.handlers.onError(op?.kind === 'remove' ? 'remove' : 'append', new Error('SourceBuffer error event'), op?.kind === 'append' ? op.label : 'remove');
  };

  constructor(private readonly sb: SourceBuffer, private readonly handlers: AppendQueueHandlers) {
    sb.addEventListener('updateend', this.onUpdateEnd);
    sb.addEventListener('error', this.onSbError);
  }

  get length(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  append(data: ArrayBuffer, label: string): void {
    this.queue.push({ kind: 'append', data, label });
    this.next();
  }

  remove(start: number, end: number): void {
    if (!(end > start)) return;
    this.queue.push({ kind: 'remove', start, end });
    this.next();
  }

  /** Runs `fn` when no operation is in flight (e.g. changeType). */
  whenIdle(fn: () => void): void {
    this.queue.push({ kind: 'callback', fn });
    this.next();
  }

  destroy(): void {
    this.queue.length = 0;
    this.sb.removeEventListener('updateend', this.onUpdateEnd);
    this.sb.removeEventListener('error', this.onSbError);
  }

  private finish(): void {
    const op = this.current;
    this.current = null;
    if (op?.kind === 'append') {
      this.quotaRetried = false;
      this.handlers.onAppended(op.label);
    }
    this.next();
  }

  private next(): void {
    while (!this.current && !this.sb.updating && this.queue.length) {
      const op = this.queue.shift()!;
      if (op.kind === 'callback') {
        op.fn();
        continue;
      }
      try {
        this.current = op;
        if (op.kind === 'append') this.sb.appendBuffer(op.data);
        else this.sb.remove(op.start, op.end);
      } catch (err) {
        this.current = null;
        if (op.kind === 'append' && isQuotaExceeded(err) && !this.quotaRetried) {
          // The buffer is full: trim behind currentTime, then retry this append once.
          this.quotaRetried = true;
          const range = this.handlers.onQuotaExceeded();
          this.queue.unshift(op);
          if (range) this.queue.unshift({ kind: 'remove', start: range.start, end: range.end });
          else this.handlers.onError('quota', err as Error, op.label);
          if (!range) return;
          continue;
        }
        this.handlers.onError(op.kind === 'append' ? (isQuotaExceeded(err) ? 'quota' : 'append') : 'remove', err as Error,
          op.kind === 'append' ? op.label : 'remove');
        return;
      }
    }
  }
}
