import { describe, expect, it } from 'vitest';
import { HlsClients } from '../../src/hls/hls-clients.js';

describe('HlsClients', () => {
  it('counts the clients that asked within the TTL, per stream and in total, and forgets the others', () => {
    let now = 0;
    const clients = new HlsClients(10_000, () => now);
    clients.touch('a', '10.0.0.1|ua');
    clients.touch('a', '10.0.0.2|ua');
    clients.touch('b', '10.0.0.1|ua');
    expect([clients.of('a'), clients.of('b'), clients.total()]).toEqual([2, 1, 3]);
    expect(clients.has('a', '10.0.0.1|ua')).toBe(true);
    now = 6_000;
    clients.touch('a', '10.0.0.1|ua'); // still polling
    now = 12_000;
    expect(clients.has('a', '10.0.0.2|ua')).toBe(false);
    clients.expire();
    expect([clients.of('a'), clients.of('b'), clients.total()]).toEqual([1, 0, 1]);
    now = 30_000;
    clients.expire();
    expect(clients.total()).toBe(0);
  });
});
