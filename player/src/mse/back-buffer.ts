/**
 * BackBuffer: keeps about `seconds` of media behind currentTime; older ranges are removed so a
 * stream that runs for hours does not grow the SourceBuffer without bound (LOW-LATENCY.md 7).
 */
export interface Range { start: number; end: number }

/** The range to remove, or null. Pure. Removal ends on the keep line, never past currentTime. */
export function backBufferRange(buffered: TimeRanges | Range[], currentTime: number, seconds: number): Range | null {
  const ranges: Range[] = Array.isArray(buffered)
    ? buffered
    : Array.from({ length: buffered.length }, (_, i) => ({ start: buffered.start(i), end: buffered.end(i) }));
  if (ranges.length === 0) return null;
  const start = ranges[0]!.start;
  const keepFrom = currentTime - seconds;
  return keepFrom - start > 0.5 ? { start, end: keepFrom } : null;
}
