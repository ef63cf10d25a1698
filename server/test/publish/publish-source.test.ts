import type { AccessUnit } from '@framewire/shared';
import { describe, expect, it } from 'vitest';
import { PublishSource, type PublisherConnection } from '../../src/publish/publish-source.js';
import type { SourceSink } from '../../src/sources/source.js';
import { fixtureAccessUnitBytes, NOAUD_FIXTURE, sleep, testLogger } from '../support/fixtures.js';

function recordingSink() {
  const events: string[] = [];
  const aus: AccessUnit[] = [];
  const sink: SourceSink = {
    accessUnit: (au) => void aus.push(au),
    ended: (r) => void events.push(`ended: ${r}`),
    restarting: (r) => void events.push(`waiting: ${r}`),
    failed: (e) => void events.push(`failed: ${e.message}`),
  };
  return { sink, events, aus };
}

function connection(name: string, state: { closing?: boolean; kicked?: string } = {}): PublisherConnection {
  return {
    description: name,
    kick: (reason, message) => void (state.kicked = `${reason}: ${message}`),
    closing: () => state.closing === true,
  };
}

describe('PublishSource', () => {
  it('feeds one publisher through a fresh Annex-B ingest and waits again when it leaves', async () => {
    const { sink, events, aus } = recordingSink();
    const source = new PublishSource({ idleFlushMs: 2, maxNalBytes: 1 << 20 }, sink, testLogger);
    source.start();
    const handle = source.attach(connection('a'))!;
    expect(handle).not.toBeNull();
    const frames = fixtureAccessUnitBytes(NOAUD_FIXTURE).slice(0, 5);
    for (const f of frames) {
      handle.push(f);
      await sleep(10);
    }
    expect(aus).toHaveLength(5);
    expect(aus[0]!.key).toBe(true);
    handle.end('bye');
    handle.end('twice'); // idempotent
    expect(events).toEqual([
      'waiting: waiting for a publisher',
      'waiting: publisher connected (a): waiting for a key frame',
      'waiting: publisher disconnected (bye): waiting for a publisher',
    ]);
    expect(source.publishing).toBe(false);
  });

  it('refuses a second publisher while the first is open, but replaces one that is already closing', () => {
    const { sink } = recordingSink();
    const source = new PublishSource({ idleFlushMs: 0, maxNalBytes: 1 << 20 }, sink, testLogger);
    const first = { closing: false };
    const a = source.attach(connection('a', first))!;
    expect(source.attach(connection('b'))).toBeNull();
    first.closing = true;
    const c = source.attach(connection('c'));
    expect(c).not.toBeNull();
    // The replaced publisher's late bytes and end() no longer touch the stream.
    a.push(new Uint8Array([0, 0, 0, 1, 0x65]));
    a.end('late');
    expect(source.publishing).toBe(true);
  });

  it('kicks a silent publisher after idleTimeoutMs and every publisher on stop()', async () => {
    const { sink } = recordingSink();
    const source = new PublishSource({ idleFlushMs: 0, maxNalBytes: 1 << 20, idleTimeoutMs: 50 }, sink, testLogger);
    const state: { kicked?: string } = {};
    const h = source.attach(connection('a', state))!;
    await sleep(30);
    h.push(new Uint8Array([0, 0, 0, 1]));
    await sleep(30);
    expect(state.kicked).toBeUndefined(); // bytes re-arm the timer
    await sleep(60);
    expect(state.kicked).toBe('idle: no data for 50 ms');
    h.end('kicked');

    const other: { kicked?: string } = {};
    source.attach(connection('b', other));
    await source.stop();
    expect(other.kicked).toBe('stopping: server shutting down');
    expect(source.attach(connection('c'))).toBeNull();
  });
});
