/**
 * Issue 3, "An independent reader checks the output": the real server streams a real x264 source,
 * a Node viewer (remux-recorder.ts) remuxes every WS message with the built player's Fmp4Remuxer
 * for ~5 s, and the whole session (init + every fragment) is written to one .mp4 file. Then readers
 * that share none of our code check it (ffprobe.ts):
 *   - `ffprobe -v error -show_streams -show_packets -show_frames`: nothing on stderr, one packet
 *     per fragment with the dts/pts/size written, one picture per fragment,
 *     the source's width/height, key frames exactly where the server flagged them, each picture's
 *     pts and packet size equal to what the remuxer wrote, pts increasing in display order
 *     (B-frames reordered by the composition offsets);
 *   - `ffmpeg -v error -i FILE -f null -`: the whole file decodes without a message;
 *   - decoded to yuv, the frame counter burned into each picture runs 1 by 1 in display order
 *     (for the live source, except slots the source itself skipped).
 * The recording stops just before a key frame, so the file holds whole GOPs.
 * Not checked here: the trun sync-sample flags. ffprobe 5.1 reported the same packet key flags
 * after we flipped them in either direction (an IDR marked non-sync, a P frame marked sync), so
 * they are checked box by box with mp4-inspector in player/test/remux/fmp4-inspector-bframes.test.ts.
 * No browser. The last test damages the recorded file (no init segment, a wrong trun sample size,
 * a fragment dropped) and requires the same checks to fail: they do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { CounterSource, encodeCounterClip } from '../support/counter-source.js';
import { decodeToNull, probeFile, readCounters } from '../support/ffprobe.js';
import { sleep } from '../support/harness.js';
import { RemuxRecorder } from '../support/remux-recorder.js';
import { startServer, type RunningServer } from '../support/server.js';

const WIDTH = 640;
const HEIGHT = 360;
const RECORD_MS = 5000;
const LIVE = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p'];
const BFRAMES = ['-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '30', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];
const CLIP_FRAMES = 300; // 10 s: the recording ends before the file source loops

interface Session {
  recorder: RemuxRecorder;
  /** Counter slots the live source skipped (not sent, so not expected in the file). */
  sourceSkipped: (n: number) => boolean;
}

/** Everything the readers say that disagrees with what the server sent and the remuxer wrote. */
async function problems(file: string, s: Session): Promise<string[]> {
  const out: string[] = [];
  const samples = s.recorder.samples;
  const probe = await probeFile(file);
  if (probe.code !== 0) out.push(`ffprobe exited with ${probe.code}`);
  if (probe.stderr.trim()) out.push(`ffprobe stderr: ${probe.stderr.trim().slice(0, 400)}`);
  const st = probe.stream;
  if (!st) out.push('ffprobe found no video stream');
  else {
    if (st.codecName !== 'h264') out.push(`codec ${st.codecName}`);
    if (st.width !== WIDTH || st.height !== HEIGHT) out.push(`stream size ${st.width}x${st.height}`);
    if (st.readFrames !== samples.length) out.push(`ffprobe counted ${st.readFrames} frames, ${samples.length} fragments written`);
    if (st.timeBase !== '1/90000') out.push(`time base ${st.timeBase}`);
  }
  // The container, sample by sample in decode order: what the remuxer wrote into each tfdt/trun.
  // (The packet key flag is the parser's IDR detection as much as the trun flag: see the header.)
  const packets = probe.packets;
  if (packets.length !== samples.length) out.push(`${packets.length} packets, ${samples.length} fragments written`);
  packets.forEach((p, i) => {
    const x = samples[i];
    if (!x) return;
    if (p.dts !== x.decodeTime || p.pts !== x.presentationTime) out.push(`packet ${i}: dts/pts ${p.dts}/${p.pts}, written ${x.decodeTime}/${x.presentationTime}`);
    if (p.size !== x.sampleBytes) out.push(`packet ${i}: ${p.size} bytes, sample ${x.sampleBytes}`);
    if (p.key !== x.key) out.push(`packet ${i}: key ${p.key ? 1 : 0}, server KEY flag ${x.key ? 1 : 0}`);
  });
  const frames = probe.frames;
  if (frames.length !== samples.length) out.push(`${frames.length} frames shown, ${samples.length} fragments written`);
  const wrongSize = frames.filter((f) => f.width !== WIDTH || f.height !== HEIGHT);
  if (wrongSize.length) out.push(`${wrongSize.length} frames not ${WIDTH}x${HEIGHT}`);
  // ffprobe lists pictures in display order: pts must increase strictly.
  for (let i = 1; i < frames.length; i++) {
    if (!(frames[i]!.pts > frames[i - 1]!.pts)) out.push(`pts not increasing at frame ${i}: ${frames[i - 1]!.pts} → ${frames[i]!.pts}`);
  }
  // Match pictures to samples by presentation time: key flag and size must be the server's/ours.
  const byPts = new Map(samples.map((x) => [x.presentationTime, x]));
  let unmatched = 0;
  for (const f of frames) {
    const x = byPts.get(f.pts);
    if (!x) {
      unmatched++;
      continue;
    }
    if (f.key !== x.key) out.push(`#${x.sequence} (pts ${f.pts}): key_frame ${f.key ? 1 : 0}, server KEY flag ${x.key ? 1 : 0}`);
    if (f.pktSize !== x.sampleBytes) out.push(`#${x.sequence}: pkt_size ${f.pktSize}, sample ${x.sampleBytes} bytes`);
  }
  if (unmatched) out.push(`${unmatched} pictures with a pts the remuxer never wrote`);

  const decoded = await decodeToNull(file);
  if (decoded.code !== 0) out.push(`ffmpeg -f null exited with ${decoded.code}`);
  if (decoded.stderr.trim()) out.push(`ffmpeg decode stderr: ${decoded.stderr.trim().slice(0, 400)}`);

  const { counters } = await readCounters(file, WIDTH, HEIGHT);
  if (counters.length !== samples.length) out.push(`${counters.length} pictures decoded to yuv, ${samples.length} fragments written`);
  const misread = counters.filter((c) => Number.isNaN(c)).length;
  if (misread) out.push(`${misread} pictures whose counter does not read`);
  for (let i = 1; i < counters.length; i++) {
    const [a, b] = [counters[i - 1]!, counters[i]!];
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    let expected = a + 1;
    while (s.sourceSkipped(expected) && expected < b) expected++;
    if (b !== expected) out.push(`counter ${a} → ${b} in display order`);
  }
  return out;
}

async function record(server: RunningServer): Promise<RemuxRecorder> {
  const recorder = new RemuxRecorder(`${server.wsUrl}live/v`);
  await recorder.opened;
  await sleep(RECORD_MS);
  await recorder.stopAtNextKey();
  return recorder;
}

// The damage test reuses the B-frame session recorded before it.
test.describe.configure({ mode: 'serial' });

let tmp: string;
/** The B-frame session, kept for the damage test. */
let kept: { file: string; session: Session } | undefined;
test.beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'framewire-remux-ffprobe-'));
});
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function checkRecording(r: RemuxRecorder, minFrames: number): void {
  expect(r.errors, 'decode/remux exceptions').toEqual([]);
  // The server starts a viewer at a key frame (GOP cache): the remuxer must not skip anything.
  expect(r.skipped, 'frames the remuxer skipped').toEqual([]);
  expect(r.inits, 'init segments (SPS/PPS never change here)').toHaveLength(1);
  expect(r.samples.length, 'fragments recorded').toBeGreaterThanOrEqual(minFrames);
  expect(r.samples[0]!.key, 'first fragment is a key frame').toBe(true);
}

test('live x264 on stdin (no B-frames): ffprobe and ffmpeg read the remuxed session back', async () => {
  const source = new CounterSource({ width: WIDTH, height: HEIGHT, codecArgs: LIVE });
  let server: RunningServer | undefined;
  try {
    server = await startServer({ streams: ['v=stdin'], stdin: source.output });
    source.start();
    await sleep(500);
    const recorder = await record(server);
    // ~29.97 fps for ≥ 5 s, minus generous room for a loaded machine.
    checkRecording(recorder, 120);
    const file = join(tmp, 'live.mp4');
    writeFileSync(file, recorder.file());
    const session: Session = { recorder, sourceSkipped: (n) => !source.generatedAt.has(n) };
    const found = await problems(file, session);
    console.log(`live: ${recorder.samples.length} fragments, ${recorder.samples.filter((x) => x.key).length} key, source skipped ${source.skipped}`);
    expect(found).toEqual([]);
    expect(recorder.samples.every((x) => x.compositionOffset === 0), 'no B-frames: pts = dts').toBe(true);
  } finally {
    source.kill();
    await server?.stop();
  }
});

test('mp4 with B-frames (-bf 2) served with file:: ffprobe and ffmpeg read the remuxed session back in display order', async () => {
  const clip = join(tmp, 'bframes.mp4');
  await encodeCounterClip(clip, { width: WIDTH, height: HEIGHT, frames: CLIP_FRAMES, codecArgs: BFRAMES });
  let server: RunningServer | undefined;
  try {
    server = await startServer({ streams: [`v=file:${clip}`] });
    await sleep(500);
    const recorder = await record(server);
    checkRecording(recorder, 120);
    const file = join(tmp, 'bframes-session.mp4');
    writeFileSync(file, recorder.file());
    const session: Session = { recorder, sourceSkipped: () => false };
    const found = await problems(file, session);
    const reordered = recorder.samples.filter((x, i) => i > 0 && x.presentationTime < recorder.samples[i - 1]!.presentationTime).length;
    console.log(`B-frames: ${recorder.samples.length} fragments, ${recorder.samples.filter((x) => x.key).length} key, ${reordered} presented before the previous fragment`);
    expect(found).toEqual([]);
    // The input really has B-frames: decode order differs from display order.
    expect(reordered, 'fragments whose pts precede the previous fragment (B-frames)').toBeGreaterThan(10);
    kept = { file, session };
  } finally {
    await server?.stop();
  }
});

/** Offset of the first `type` box header inside `bytes` (a flat scan: enough for our moof). */
function boxOffset(bytes: Uint8Array, type: string): number {
  const code = [...type].map((c) => c.charCodeAt(0));
  for (let i = 4; i + 4 <= bytes.length; i++) {
    if (code.every((c, k) => bytes[i + k] === c)) return i - 4;
  }
  throw new Error(`no ${type} box`);
}

test('the same checks fail on a damaged session (no init, a wrong trun sample size, a fragment dropped)', async () => {
  expect(kept, 'the B-frame session recorded by the previous test').toBeDefined();
  const { session } = kept!;
  const r = session.recorder;
  const mid = Math.floor(r.fragments.length / 2);

  const noInit = join(tmp, 'no-init.mp4');
  writeFileSync(noInit, Buffer.concat(r.fragments));
  const a = await problems(noInit, session);
  expect(a.length, 'problems found without the init segment').toBeGreaterThan(0);

  // trun (version/flags 0x000f01: data_offset, then duration, size, flags, cto per sample): halve
  // the one sample's size field of a fragment in the middle.
  const damaged = r.fragments.map((f) => new Uint8Array(f));
  const frag = damaged[mid]!;
  const view = new DataView(frag.buffer, frag.byteOffset, frag.byteLength);
  const trun = boxOffset(frag, 'trun');
  expect(view.getUint32(trun + 8) & 0xffffff, 'trun flags').toBe(0x000f01);
  const sizeAt = trun + 8 + 4 + 4 + 4 + 4;
  view.setUint32(sizeAt, Math.floor(view.getUint32(sizeAt) / 2));
  const badTrun = join(tmp, 'bad-trun.mp4');
  writeFileSync(badTrun, Buffer.concat([r.inits[0]!, ...damaged]));
  const b = await problems(badTrun, session);
  expect(b.length, 'problems found with one trun sample size halved').toBeGreaterThan(0);

  const dropped = join(tmp, 'dropped.mp4');
  writeFileSync(dropped, Buffer.concat([r.inits[0]!, ...r.fragments.filter((_, i) => i !== mid)]));
  const c = await problems(dropped, session);
  expect(c.length, 'problems found with one fragment dropped').toBeGreaterThan(0);
  console.log(`damage detected:\n  no init: ${a.slice(0, 3).join(' | ')}\n  bad trun: ${b.slice(0, 3).join(' | ')}\n  dropped: ${c.slice(0, 3).join(' | ')}`);
});
