import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat } from './config/schema.js';

export type { Logger };

/**
 * pino writing to stderr (stdout is reserved for the "Framewire ready" lines that scripts parse).
 * Synchronous writes: logging is rare on the media path (anomalies only) and a synchronous
 * destination keeps the last lines when the process exits.
 *
 * `json`: pino's own JSON lines, for log collectors. `pretty`: one readable line per entry, made
 * from the same JSON (pino-pretty would do it too, with a dozen more packages; this is the part
 * we need).
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const stderr = pino.destination({ dest: 2, sync: true });
  const destination: DestinationStream = format === 'pretty' ? { write: (line) => stderr.write(prettyLine(line)) } : stderr;
  return pino({ level, base: { name: 'framewire' } }, destination);
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has or that the line shows in its own place. */
const SKIPPED = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'stack']);

/** `12:34:56.789 WARN  viewer too slow: dropping until the next key frame  stream=cam bufferedAmount=4200000` */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json; // not ours: pass it through untouched
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !SKIPPED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`);
  const stack = typeof entry.stack === 'string' ? `\n    ${entry.stack.replace(/\n/g, '\n    ')}` : '';
  return `${time} ${level} ${String(entry.msg ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}\n`;
}
