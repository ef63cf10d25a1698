import type { InspectedBox } from 'mux.js/lib/tools/mp4-inspector.js';

/** The box at `path` (e.g. ['moof', 'traf', 'tfdt']) in mux.js mp4-inspector output, or undefined. */
export function findBox(boxes: InspectedBox[] | undefined, path: string[]): InspectedBox | undefined {
  let level = boxes;
  let found: InspectedBox | undefined;
  for (const type of path) {
    found = level?.find((b) => b.type === type);
    level = found?.boxes;
  }
  return found;
}
