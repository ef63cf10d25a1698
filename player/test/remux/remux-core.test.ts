/// <reference types="node" />
import { describe, expect, it } from 'vitest';
import { encodeMediaFrame } from '@framewire/shared';
import { RemuxCore } from '../../src/remux/remux-core.js';
import type { WorkerMessage } from '../../src/remux/worker-messages.js';
import { FIXTURES, accessUnits, splitAnnexB } from '../helpers/fixture-frames.js';
import { readFileSync } from 'node:fs';

/** The worker protocol, driven through the same core the worker entry and the inline fallback use. */
describe('RemuxCore (worker protocol)', () => {
  const aus = accessUnits(splitAnnexB(new Uint8Array(readFileSync(FIXTURES + 'testsrc-320x240-30-baseline-noaud.h264'))));
  const wire = (i: number): ArrayBuffer => {
    const nalus = aus[i]!;
    const bytes = encodeMediaFrame({ nalus, key: nalus.some((n) => (n[0]! & 0x1f) === 5), dts: i * 3000, pts: i * 3000, duration: 3000, captureTimeMs: 1000 + i }, { sequence: i });
    return bytes.buffer as ArrayBuffer;
  };

  it('answers init with ready, push with remuxed + transfer list, ignores other instances', () => {
    const out: { m: WorkerMessage; t: Transferable[] }[] = [];
    const core = new RemuxCore((m, t) => out.push({ m, t }));
    core.handle({ cmd: 'init', instanceNo: 7 });
    expect(out[0]!.m).toEqual({ type: 'ready', instanceNo: 7 });
    core.handle({ cmd: 'push', instanceNo: 7, data: wire(0) });
    const first = out[1]!;
    expect(first.m.type).toBe('remuxed');
    if (first.m.type === 'remuxed') {
      expect(first.m.result.init?.codec).toMatch(/^avc1\./);
      expect(first.t).toEqual([first.m.result.init!.data, first.m.result.fragment]);
      expect(first.m.result.captureTimeMs).toBe(1000);
    }
    core.handle({ cmd: 'push', instanceNo: 7, data: wire(1) });
    expect(out[2]!.m.type === 'remuxed' && out[2]!.t.length).toBe(1);
    core.handle({ cmd: 'push', instanceNo: 8, data: wire(2) }); // never initialised
    expect(out).toHaveLength(3);
  });

  it('reports bad frames as error messages and skips frames before the first key frame', () => {
    const out: WorkerMessage[] = [];
    const core = new RemuxCore((m) => out.push(m));
    core.handle({ cmd: 'init', instanceNo: 1 });
    core.handle({ cmd: 'push', instanceNo: 1, data: new ArrayBuffer(5) });
    expect(out[1]).toMatchObject({ type: 'error', instanceNo: 1 });
    core.handle({ cmd: 'push', instanceNo: 1, data: wire(1) });
    expect(out[2]).toEqual({ type: 'skipped', instanceNo: 1, sequence: 1, reason: 'waiting-for-keyframe' });
  });
});
