import { describe, expect, it } from 'vitest';
import { ViewerLimits, type ViewerCounts } from '../../src/security/viewer-limits.js';

/** Viewers of one kind: stream → count. */
function viewers(counts: Record<string, number>): ViewerCounts {
  return { total: () => Object.values(counts).reduce((a, b) => a + b, 0), of: (s) => counts[s] ?? 0 };
}

describe('ViewerLimits', () => {
  it('adds every counted kind of viewer (WebSocket and LL-HLS) against the per-stream limit', () => {
    const limits = new ViewerLimits({ maxViewers: 0, perStream: (s) => (s === 'cam' ? 3 : 0) });
    const ws = { cam: 2 };
    limits.count(viewers(ws));
    expect(limits.check('cam'), 'two of three').toBeNull();
    limits.count(viewers({ cam: 1 }));
    expect(limits.check('cam')).toMatchObject({ reason: 'stream_full', message: 'stream full (3 viewers), try again later' });
    expect(limits.check('other'), 'no limit of its own').toBeNull();
  });

  it('refuses over maxViewers whatever the stream, reading the counts at each check', () => {
    const ws: Record<string, number> = { a: 1 };
    const limits = new ViewerLimits({ maxViewers: 3, perStream: () => 0 });
    limits.count(viewers(ws));
    limits.count(viewers({ b: 1 }));
    expect(limits.check('c')).toBeNull();
    ws['a'] = 2;
    expect(limits.check('c')).toMatchObject({ reason: 'server_full' });
  });
});
