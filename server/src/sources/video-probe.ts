import { execFile } from 'node:child_process';
import { createError, describeError, ServerErrorCode } from '../errors.js';
import { LIVE_X264_ARGS } from './ffmpeg-source.js';
import { trackChild } from '../utils/child-processes.js';
import { redactSecrets } from './redact.js';

/** What ffprobe says about the first video stream of a file or URL. */
export interface VideoProbe {
  codec: string;
  profile?: string;
  pixFmt?: string;
  fieldOrder?: string;
  /** Reorder depth: > 0 means B-frames (or pyramid) — pts ≠ dts. */
  hasBFrames?: number;
}

export interface VideoDecision {
  copy: boolean;
  /** Why, for the log. */
  reason: string;
  codecArgs: string[];
}

const PROBE_TIMEOUT_MS = 15_000;

/** Pixel formats of 8-bit 4:2:0 H.264, which every browser's MSE decodes. */
const BROWSER_PIX_FMTS = ['yuv420p', 'yuvj420p'];

/**
 * Copy or encode? Copying costs nothing and adds no latency, so we copy whenever a browser plays the
 * video as it is, and encode only what it cannot play (or plays wrongly):
 * - H.264 8-bit 4:2:0 progressive (Baseline/Main/High): copied.
 * - …with B-frames: still copied. It plays correctly (pts from the container reach the player as
 *   composition offsets); the decoder holds each frame for the reorder depth, one or two frame
 *   times, which costs less than an encode and keeps the quality.
 * - High 10, 4:2:2, 4:4:4 (browsers do not decode them), interlaced (shown combed, or refused by
 *   hardware decoders; deinterlaced with yadif), any other codec: encoded with live x264.
 */
export function decideVideoArgs(probe: VideoProbe | null): VideoDecision {
  const encode = (reason: string, interlaced = false): VideoDecision => ({
    copy: false,
    reason,
    codecArgs: interlaced ? ['-vf', 'yadif', ...LIVE_X264_ARGS] : LIVE_X264_ARGS,
  });
  if (probe === null) return encode('no video stream ffprobe recognises: encoding');
  if (probe.codec !== 'h264') return encode(`${probe.codec} is not H.264: encoding`);
  if (probe.pixFmt !== undefined && !BROWSER_PIX_FMTS.includes(probe.pixFmt)) {
    return encode(`H.264 ${probe.profile ?? ''} ${probe.pixFmt} is not 8-bit 4:2:0, which browsers need: encoding`);
  }
  if (probe.profile !== undefined && /10|4:2:2|4:4:4/.test(probe.profile)) return encode(`H.264 ${probe.profile} profile: encoding`);
  if (probe.fieldOrder !== undefined && !['progressive', 'unknown'].includes(probe.fieldOrder)) {
    return encode(`interlaced H.264 (${probe.fieldOrder}): deinterlacing and encoding`, true);
  }
  const bframes = (probe.hasBFrames ?? 0) > 0;
  return {
    copy: true,
    reason: bframes ? 'H.264 with B-frames: copied (adds the reorder delay; encode with bframes=0 for the lowest latency)' : 'H.264: copied',
    codecArgs: ['-c:v', 'copy'],
  };
}

/**
 * ffprobe's view of the first video stream; null if the input has no video stream ffprobe knows.
 * Rejects with a ServerError naming the input (secrets redacted) and ffprobe's reason when the
 * input cannot be opened: ffmpeg would fail the same way, so the run is not started at all.
 *
 * analyzeDurationUs bounds how long a live input is read: MPEG-TS (HTTP, SRT) is otherwise read
 * for ffprobe's default 5 s on every start and reconnect. With a short window and a long GOP the
 * profile and pixel format may stay unknown (no SPS yet); the codec name is always there, and an
 * H.264 stream whose details are unknown is copied.
 *
 * inputArgs are the protocol options ffmpeg itself gets for this input (RTSP: TCP transport), so
 * the probe connects the way the run will.
 */
export function probeVideo(ffprobePath: string, input: string, analyzeDurationUs?: number, inputArgs: readonly string[] = []): Promise<VideoProbe | null> {
  const analyze = [...(analyzeDurationUs !== undefined ? ['-analyzeduration', String(analyzeDurationUs)] : []), ...inputArgs];
  return new Promise((resolve, reject) => {
    // Tracked: a shutdown at its deadline kills it (main.ts).
    trackChild(execFile(
      ffprobePath,
      ['-v', 'error', ...analyze, '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,profile,pix_fmt,field_order,has_b_frames', '-of', 'json', input],
      { timeout: PROBE_TIMEOUT_MS },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(parseProbeJson(stdout));
          return;
        }
        const what = redactSecrets(input);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(createError(ServerErrorCode.FFMPEG_MISSING, `ffprobe not found ("${ffprobePath}"): it comes with ffmpeg, e.g. \`apt-get install ffmpeg\``, { cause: err }));
          return;
        }
        const lines = String(stderr).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
        // ffprobe's last line is usually "INPUT: reason": keep the reason.
        const last = lines.at(-1)?.replace(`${input}: `, '');
        const reason = err.killed ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : redactSecrets(last ?? describeError(err));
        reject(createError(ServerErrorCode.SOURCE_FAILED, `cannot open ${what}: ${reason}`, { cause: err }));
      },
    ));
  });
}

export function parseProbeJson(text: string): VideoProbe | null {
  let stream: Record<string, unknown> | undefined;
  try {
    stream = (JSON.parse(text) as { streams?: Record<string, unknown>[] }).streams?.[0];
  } catch {
    return null;
  }
  if (!stream || typeof stream.codec_name !== 'string') return null;
  const probe: VideoProbe = { codec: stream.codec_name };
  if (typeof stream.profile === 'string') probe.profile = stream.profile;
  if (typeof stream.pix_fmt === 'string' && !['unknown', 'none'].includes(stream.pix_fmt)) probe.pixFmt = stream.pix_fmt;
  if (typeof stream.field_order === 'string') probe.fieldOrder = stream.field_order;
  if (typeof stream.has_b_frames === 'number') probe.hasBFrames = stream.has_b_frames;
  return probe;
}
