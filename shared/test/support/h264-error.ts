import { expect } from 'vitest';
import { H264Error } from '../../src/h264/errors.js';

/** Runs `fn`; returns the H264Error code it threw (asserting it was an H264Error), or undefined. */
export function h264ErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(H264Error);
    return (err as H264Error).code;
  }
  return undefined;
}
