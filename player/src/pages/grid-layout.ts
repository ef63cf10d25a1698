/** Pure helpers of the grid page (pages/grid.ts), testable without a DOM. */

/** `?streams=a,b,,c` → ['a', 'b', 'c']; null when the parameter is absent. */
export function gridStreamsFromQuery(search: string): string[] | null {
  const raw = new URLSearchParams(search).get('streams');
  if (raw === null) return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Columns for n cells: the smallest square that holds them (9 → 3, 10 → 4). */
export function gridColumns(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}
