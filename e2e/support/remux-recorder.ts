/**
 * A Node viewer that does what the player's worker does, without a browser: every binary message
 * on WS /live/NAME is decoded with the shared protocol code and remuxed by the built player's
 * Fmp4Remuxer (player/dist, the code the page runs) into one fMP4 fragment. The init segment and
 * every fragment are kept in order, so the whole session can be written as one .mp4 file and read
 * back by an independent reader (ffprobe, ffmpeg) — issue 3, "An independent reader checks the
 * output".
 */
/// <reference path="../../shared/src/fmp4/mux-js.d.ts" />
import type WebSocket from 'ws';
import { connectWs } from './ws-viewer.js';
import { MediaFlags, decodeMediaFrame } from '@framewire/shared';
import type { Fmp4Remuxer as Fmp4RemuxerClass } from '../../player/src/remux/fmp4-remuxer.js';

// The built bundle (player/dist) is what the page runs, but it ships no .d.ts: the specifier is
// widened to string so TypeScript does not look for one, and the type comes from the source.
const PLAYER_BUNDLE: string = '@framewire/player';
const { Fmp4Remuxer } = (await import(PLAYER_BUNDLE)) as { Fmp4Remuxer: typeof Fmp4RemuxerClass };

/** What the server said about one access unit, and where the remuxer put it. */
export interface RecordedSample {
  sequence: number;
  /** The server's KEY flag. */
  key: boolean;
  /** Sample start on the fragment timeline, 90 kHz ticks (the tfdt). */
  decodeTime: number;
  /** pts − dts from the server header, 90 kHz ticks (the trun composition offset). */
  compositionOffset: number;
  /** Presentation time on the fragment timeline, 90 kHz ticks. */
  presentationTime: number;
  /** Bytes of the sample itself: the mdat payload (AVCC NAL units). */
  sampleBytes: number;
}

/** Size of the mdat payload of a moof+mdat fragment, read from the two box headers. */
function mdatPayloadBytes(fragment: Uint8Array): number {
  const view = new DataView(fragment.buffer, fragment.byteOffset, fragment.byteLength);
  const moofSize = view.getUint32(0);
  return view.getUint32(moofSize) - 8;
}

export class RemuxRecorder {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  /** ftyp+moov segments, in arrival order (one unless SPS/PPS changed). */
  readonly inits: Uint8Array[] = [];
  /** moof+mdat per remuxed access unit, in arrival (decode) order. */
  readonly fragments: Uint8Array[] = [];
  readonly samples: RecordedSample[] = [];
  /** Messages the remuxer refused, with its reason. */
  readonly skipped: string[] = [];
  /** Exceptions thrown by decode or remux: any is a failure. */
  readonly errors: string[] = [];
  private readonly remuxer = new Fmp4Remuxer();
  private stopped = false;
  private onNextKey: (() => void) | undefined;

  constructor(url: string) {
    ({ ws: this.ws, opened: this.opened } = connectWs(url, (buf, isBinary) => {
      if (isBinary && !this.stopped) this.onMedia(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    }));
  }

  private onMedia(bytes: Uint8Array): void {
    try {
      const frame = decodeMediaFrame(bytes);
      if (this.onNextKey && (frame.flags & MediaFlags.KEY) !== 0) {
        this.onNextKey();
        return;
      }
      const r = this.remuxer.push(frame);
      if (typeof r === 'string') {
        this.skipped.push(`#${frame.sequence}: ${r}`);
        return;
      }
      if (r.init) this.inits.push(new Uint8Array(r.init.data));
      const fragment = new Uint8Array(r.fragment);
      this.fragments.push(fragment);
      const compositionOffset = frame.pts - frame.dts;
      this.samples.push({
        sequence: frame.sequence,
        key: r.key,
        decodeTime: r.decodeTime,
        compositionOffset,
        presentationTime: r.decodeTime + compositionOffset,
        sampleBytes: mdatPayloadBytes(fragment),
      });
    } catch (e) {
      this.errors.push(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Stops recording just before the next key frame, so the file ends with a whole GOP: with
   * B-frames, stopping anywhere else can cut off pictures displayed before the last one decoded.
   */
  stopAtNextKey(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no key frame within ${timeoutMs} ms`)), timeoutMs);
      this.onNextKey = () => {
        clearTimeout(timer);
        this.stop();
        resolve();
      };
    });
  }

  /** Stops recording (later messages are ignored) and closes the socket. */
  stop(): void {
    this.stopped = true;
    this.ws.terminate();
  }

  /** The session as one file: the first init segment, then every fragment in order. */
  file(): Buffer {
    const init = this.inits[0];
    if (!init) throw new Error('no init segment recorded');
    return Buffer.concat([init, ...this.fragments]);
  }
}
