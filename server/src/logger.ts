import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * pino writing JSON lines to stderr (stdout is reserved for the "Framewire ready" lines that
 * scripts parse). Synchronous writes: logging is rare on the media path (anomalies only) and a
 * synchronous destination keeps the last lines when the process exits.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'framewire' } }, pino.destination({ dest: 2, sync: true }));
}
