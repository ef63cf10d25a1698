import { describe, expect, it } from 'vitest';
import { streamCells } from '../../src/pages/stream-table.js';

describe('streamCells (index page rows from /api/streams)', () => {
  it('shows a live stream with its figures', () => {
    expect(
      streamCells({ name: 'cam', state: 'live', source: 'camera', onDemand: false, codec: 'avc1.42c01f', width: 1280, height: 720, fps: 29.97002997, bitrateKbps: 2100, viewers: 2, restarts: 3 }),
    ).toEqual({ name: 'cam', state: 'live', codec: 'avc1.42c01f', resolution: '1280x720', fps: '29.97', bitrate: '2100 kbit/s', viewers: '2', restarts: '3', publish: '' });
  });

  it('shows the reason of a state, marks on-demand streams and hides a stale bitrate', () => {
    const cells = streamCells({ name: 'od', state: 'idle', reason: 'on demand: starts when a viewer connects', onDemand: true, codec: 'avc1.640028', width: 640, height: 360, fps: 30, bitrateKbps: 12, viewers: 0, restarts: 0 });
    expect(cells.name).toBe('od (on demand)');
    expect(cells.state).toBe('idle: on demand: starts when a viewer connects');
    expect(cells.bitrate).toBe('–');
    expect(cells.resolution).toBe('640x360');
  });

  it('says whether a publish stream has a publisher; rows of older servers lack fields', () => {
    expect(streamCells({ name: 'p', state: 'waiting', publisher: false }).publish).toBe('no publisher');
    expect(streamCells({ name: 'p', state: 'live', publisher: true }).publish).toBe('publisher connected');
    expect(streamCells({ name: 'old', state: 'waiting' })).toMatchObject({ codec: '–', resolution: '–', fps: '–', viewers: '–', restarts: '–', publish: '' });
  });
});
