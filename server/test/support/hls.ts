/**
 * Test helpers for LL-HLS: media frames as Stream sends them (encoded, from a fixture clip), a
 * strict Media Playlist parser (every line must be a tag we know or a URI), and box lookups.
 */
import { request } from 'node:http';
import { encodeMediaFrame, type AccessUnit } from '@framewire/shared';
import inspector, { type InspectedBox } from 'mux.js/lib/tools/mp4-inspector.js';
import type { EncodedFrame } from '../../src/pipeline/gop-cache.js';
import { fixtureAccessUnits } from './fixtures.js';

export interface FrameOptions {
  /** dts of the first frame, ticks. */
  startDts?: number;
  /** Frame interval, ticks (also the header's duration estimate). */
  duration?: number;
  /** Mark every Nth frame KEY (with the first frame's SPS/PPS); default: the clip's own IDRs. */
  keyEvery?: number;
  /** pts − dts of frame i. */
  compositionOffset?: (i: number) => number;
  captureStartMs?: number;
  count?: number;
  /** Flag the first frame DISCONTINUITY. */
  discontinuity?: boolean;
}

/** Encoded frames from a fixture clip, looped to `count` (the clip's IDRs stay its key frames). */
export function encodedFrames(path: string, o: FrameOptions = {}): EncodedFrame[] {
  const aus = fixtureAccessUnits(path);
  const duration = o.duration ?? 3000;
  const start = o.startDts ?? 0;
  const count = o.count ?? aus.length;
  const out: EncodedFrame[] = [];
  const deltas = aus.filter((au) => !au.key);
  for (let i = 0; i < count; i++) {
    // keyEvery: the clip's first IDR (with its SPS/PPS) every Nth frame, its non-IDR pictures in
    // between (not decodable as a sequence, which packaging does not need).
    const key = o.keyEvery !== undefined ? i % o.keyEvery === 0 : aus[i % aus.length]!.key;
    const raw = o.keyEvery === undefined ? aus[i % aus.length]! : key ? aus[0]! : deltas[i % deltas.length]!;
    const dts = start + i * duration;
    const au: AccessUnit = {
      nalus: raw.nalus,
      key,
      dts,
      pts: dts + (o.compositionOffset?.(i) ?? 0),
      duration,
      captureTimeMs: (o.captureStartMs ?? 1_700_000_000_000) + (i * duration) / 90,
    };
    out.push({ bytes: encodeMediaFrame(au, { sequence: i, discontinuity: o.discontinuity === true && i === 0 }), key });
  }
  return out;
}

export interface ParsedPart {
  duration: number;
  uri: string;
  independent: boolean;
}

export interface ParsedSegment {
  msn: number;
  uri: string | null;
  duration: number | null;
  programDateTime: string | null;
  discontinuity: boolean;
  map: string;
  parts: ParsedPart[];
}

export interface ParsedPlaylist {
  version: number;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  serverControl: Record<string, string>;
  partTarget: number;
  segments: ParsedSegment[];
  preloadHint: string | null;
  endList: boolean;
}

function attributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

/** Parses a Media Playlist; throws on any line it does not know (a syntax check, RFC 8216bis 4). */
export function parsePlaylist(text: string): ParsedPlaylist {
  const lines = text.split('\n');
  if (lines[0] !== '#EXTM3U') throw new Error('no #EXTM3U first line');
  if (lines.at(-1) !== '') throw new Error('playlist does not end with a newline');
  const p: ParsedPlaylist = {
    version: NaN, targetDuration: NaN, mediaSequence: NaN, discontinuitySequence: 0, serverControl: {}, partTarget: NaN,
    segments: [], preloadHint: null, endList: false,
  };
  let map = '';
  let next: ParsedSegment | null = null;
  const open = (): ParsedSegment => {
    next ??= { msn: (Number.isNaN(p.mediaSequence) ? 0 : p.mediaSequence) + p.segments.length, uri: null, duration: null, programDateTime: null, discontinuity: false, map, parts: [] };
    return next;
  };
  let pendingDuration: number | null = null;
  for (const line of lines.slice(1, -1)) {
    const [tag, value = ''] = line.startsWith('#') ? [line.slice(0, line.indexOf(':') === -1 ? undefined : line.indexOf(':')), line.slice(line.indexOf(':') + 1)] : [line];
    switch (tag) {
      case '#EXT-X-VERSION': p.version = Number(value); break;
      case '#EXT-X-TARGETDURATION': p.targetDuration = Number(value); break;
      case '#EXT-X-MEDIA-SEQUENCE': p.mediaSequence = Number(value); break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE': p.discontinuitySequence = Number(value); break;
      case '#EXT-X-SERVER-CONTROL': p.serverControl = attributes(value); break;
      case '#EXT-X-PART-INF': p.partTarget = Number(attributes(value)['PART-TARGET']); break;
      case '#EXT-X-MAP': map = attributes(value).URI!; if (next) (next as ParsedSegment).map = map; break;
      case '#EXT-X-DISCONTINUITY': open().discontinuity = true; break;
      case '#EXT-X-PROGRAM-DATE-TIME': open().programDateTime = value; break;
      case '#EXT-X-PART': {
        const a = attributes(value);
        if (Object.keys(a).some((k) => !['DURATION', 'URI', 'INDEPENDENT'].includes(k))) throw new Error(`unexpected part attribute: ${line}`);
        open().parts.push({ duration: Number(a.DURATION), uri: a.URI!, independent: a.INDEPENDENT === 'YES' });
        break;
      }
      case '#EXTINF': pendingDuration = Number(value.replace(/,$/, '')); break;
      case '#EXT-X-PRELOAD-HINT': {
        const a = attributes(value);
        if (a.TYPE !== 'PART') throw new Error(`unexpected hint ${line}`);
        p.preloadHint = a.URI!;
        break;
      }
      case '#EXT-X-ENDLIST': p.endList = true; break;
      default:
        if (line.startsWith('#') || line === '' || pendingDuration === null) throw new Error(`unexpected line: ${JSON.stringify(line)}`);
        open().uri = line;
        open().duration = pendingDuration;
        pendingDuration = null;
        p.segments.push(next!);
        next = null;
    }
  }
  if (next) p.segments.push(next); // the open segment: parts only
  return p;
}

/** All parts of a playlist in order. */
export const allParts = (p: ParsedPlaylist): ParsedPart[] => p.segments.flatMap((s) => s.parts);

export const inspect = (bytes: Uint8Array): InspectedBox[] => inspector.inspect(bytes);

/** Every box of `type` in a box tree, depth first. */
export function findBoxes(boxes: InspectedBox[], type: string): InspectedBox[] {
  const out: InspectedBox[] = [];
  for (const box of boxes) {
    if (box.type === type) out.push(box);
    if (box.boxes) out.push(...findBoxes(box.boxes, type));
  }
  return out;
}

export interface HttpResult {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: Buffer;
  /** ms from sending the request to the end of the response. */
  ms: number;
}

/** One request with node:http: the raw path is sent as given (fetch would resolve `..` segments). */
export function httpRequest(base: string, path: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
