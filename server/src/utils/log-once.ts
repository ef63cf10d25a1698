import type { Logger } from 'pino';

/**
 * Logs a given kind of problem once (then counts it), so a stream of bad input gives one clear
 * line instead of a flood, and memory stays bounded by the number of distinct kinds.
 */
export class LogOnce {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly maxKinds = 64,
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    this.emit('warn', kind, fields, message);
  }

  info(kind: string, fields: Record<string, unknown>, message: string): void {
    this.emit('info', kind, fields, message);
  }

  /** How many times `kind` happened (including the logged one). */
  count(kind: string): number {
    return this.seen.get(kind) ?? 0;
  }

  private emit(level: 'warn' | 'info', kind: string, fields: Record<string, unknown>, message: string): void {
    const n = this.seen.get(kind);
    if (n !== undefined) {
      this.seen.set(kind, n + 1);
      return;
    }
    if (this.seen.size < this.maxKinds) this.seen.set(kind, 1);
    this.logger[level]({ ...fields, kind }, `${message} (logged once)`);
  }
}
