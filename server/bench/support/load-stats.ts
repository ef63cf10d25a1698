/** Small helpers shared by the load and soak benches: percentiles, /metrics parsing, formatting. */

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Float64Array sorted ascending (numeric, unlike Array.prototype.sort's default). */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Cumulative bucket counts of one histogram series in Prometheus text: le → count (+Inf included). */
export function histogramBuckets(metricsText: string, name: string, labels: Record<string, string>): Map<number, number> {
  const out = new Map<number, number>();
  const prefix = `${name}_bucket{`;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const close = line.indexOf('}');
    const labelText = line.slice(prefix.length, close);
    const pairs = new Map([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const));
    if (!Object.entries(labels).every(([k, v]) => pairs.get(k) === v)) continue;
    const le = pairs.get('le');
    if (le === undefined) continue;
    out.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(line.slice(close + 1).trim()));
  }
  return out;
}

/**
 * The bucket bound (seconds) under which `p` % of the observations made between two scrapes fell:
 * an upper bound of that percentile, as coarse as the buckets.
 */
export function histogramPercentileBound(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return Number.NaN;
  for (const le of bounds) {
    const n = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (n >= (p / 100) * total) return le;
  }
  return Number.POSITIVE_INFINITY;
}

export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
