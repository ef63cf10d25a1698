import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { prettyLine } from '../src/logger.js';

describe('logFormat: pretty', () => {
  it('turns one pino JSON line into one readable line: time, level, message, then the fields', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info', base: { name: 'framewire' } }, { write: (line: string) => lines.push(prettyLine(line)) });
    logger.child({ stream: 'cam' }).warn({ bufferedAmount: 4_200_000, reason: 'slow viewer' }, 'dropping until the next key frame');
    logger.debug('not at this level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  dropping until the next key frame  stream=cam bufferedAmount=4200000 reason="slow viewer"\n$/);
  });

  it('prints a stack under its line, and passes anything that is not JSON through', () => {
    const line = prettyLine(JSON.stringify({ level: 50, time: 0, msg: 'uncaught exception', err: 'boom', stack: 'Error: boom\n    at x' }));
    expect(line).toBe('00:00:00.000 ERROR uncaught exception  err=boom\n    Error: boom\n        at x\n');
    expect(prettyLine('plain text\n')).toBe('plain text\n');
  });
});
