import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { ServerErrorCode } from '../errors.js';
import { cameraCodecArgs, cameraInputArgs, describeCamera, type CameraInputArgs } from './camera.js';
import { FfmpegSource, hasVideoCodecArg, LIVE_X264_ARGS } from './ffmpeg-source.js';
import { redactSecrets } from './redact.js';
import { isRtmpListenerUrl, rtmpKeyGuard, rtmpListenerInput } from './rtmp-listener.js';
import { DEMO_FIXTURE_PATH, PacedFileSource } from './paced-file-source.js';
import type { Source, SourceSink } from './source.js';
import { isListenerUrl, type SourceSpec } from './source-spec.js';
import { StdinSource } from './stdin-source.js';
import { decideVideoArgs, probeVideo } from './video-probe.js';
import { PublishSource } from '../publish/publish-source.js';

/** A pulled URL is probed for 1 s, not ffprobe's 5 s: it is paid again on every reconnect. */
const URL_PROBE_ANALYZE_US = 1_000_000;

/** How long a listener's ffmpeg analyses a publisher's input (see the 'url' case). */
const LISTENER_ANALYZE_US = 1_000_000;
/** The first try for pulled URLs (PullAnalysis). */
const QUICK_ANALYZE_US = 1_000_000;

/**
 * RTSP input options, for ffprobe and ffmpeg alike. TCP transport (RTP interleaved on the RTSP
 * connection, RFC 2326 §10.12): no UDP loss or reordering, and it passes NAT and firewalls; without
 * it ffmpeg tries UDP first (ffprobe did: measured, a SETUP for UDP before the one for TCP).
 * -timeout (µs; ffmpeg ≥ 5 — in 4.x this name meant a listen timeout and the option was -stimeout)
 * bounds each socket read and the connect: without it a camera that stops sending but keeps the
 * TCP connection (hung, or the link gone without a FIN/RST) froze the stream for good, as ffmpeg
 * waited forever and was never restarted (measured with the RTSP test server's freeze()).
 */
const RTSP_INPUT_ARGS = ['-rtsp_transport', 'tcp', '-timeout', '5000000'];

/** Raw H.264 elementary streams carry no timestamps: play them directly, paced by the SPS rate. */
const RAW_H264 = /\.(h264|264|avc|h26l)$/i;

/** Substitutions for tests (this machine has no camera): everything else stays the production path. */
export interface SourceHooks {
  platform?: NodeJS.Platform;
  /** Replaces the device-opening input arguments of camera: sources (e.g. with a lavfi input). */
  cameraInput?: CameraInputArgs;
}

/** Builds the Source for a parsed SOURCE string. Never spawns anything until start(). */
export function createSource(spec: SourceSpec, sink: SourceSink, config: ServerConfig, logger: Logger, hooks: SourceHooks = {}): Source {
  const ffmpegCommon = {
    ffmpegPath: config.ffmpegPath,
    maxFlvTagBytes: config.maxFlvTagBytes,
    stopTimeoutMs: config.sourceStopTimeoutMs,
  };
  /** -c:v copy when browsers play the input's video as it is (no encode, no added latency), else live x264. */
  const copyOrEncode = (input: string, description: string, analyzeDurationUs?: number, inputArgs: string[] = []) => async () => {
    const decision = decideVideoArgs(await probeVideo(config.ffprobePath, input, analyzeDurationUs, inputArgs));
    logger.info({ copy: decision.copy }, `${description}: ${decision.reason}`);
    return decision.codecArgs;
  };
  const restart = { initialMs: config.sourceRestartInitialMs, maxMs: config.sourceRestartMaxMs };
  // Files and ffmpeg: inputs end by themselves when they are done; a failure (a read error, a
  // device busy for a moment, a crash) is retried like any source.
  const restartFailures = { ...restart, failuresOnly: true };

  switch (spec.kind) {
    case 'demo':
      return new PacedFileSource(DEMO_FIXTURE_PATH, sink, logger, ServerErrorCode.FIXTURE_MISSING);
    case 'stdin':
      return new StdinSource({ idleFlushMs: config.idleFlushMs, maxNalBytes: config.maxNalBytes }, sink, logger);
    case 'publish':
      // app.ts registers it with the publish endpoints (publish/publish-endpoints.ts) and its key.
      return new PublishSource(
        { idleFlushMs: config.idleFlushMs, maxNalBytes: config.maxNalBytes, idleTimeoutMs: config.publishIdleTimeoutMs },
        sink,
        logger,
      );
    case 'camera': {
      const platform = hooks.platform ?? process.platform;
      const input = (hooks.cameraInput ?? cameraInputArgs(platform))(spec.device, spec.options);
      return new FfmpegSource(
        {
          ...ffmpegCommon,
          input,
          mapArgs: ['-map', '0:v:0'],
          codecArgs: cameraCodecArgs(spec.options),
          description: describeCamera(spec, platform),
          // A USB camera unplugged and plugged back, or busy in another program, comes back.
          restart,
        },
        sink,
        logger,
      );
    }
    case 'file':
      if (RAW_H264.test(spec.path)) return new PacedFileSource(spec.path, sink, logger, ServerErrorCode.SOURCE_FAILED, spec.loop);
      return new FfmpegSource(
        {
          ...ffmpegCommon,
          // -re: read at the native rate (a file is a simulated live source); loop unless loop=0.
          input: ['-re', ...(spec.loop ? ['-stream_loop', '-1'] : []), '-i', spec.path],
          mapArgs: ['-map', '0:v:0'],
          codecArgs: copyOrEncode(spec.path, `file ${spec.path}`),
          description: `file ${spec.path}${spec.loop ? '' : ' (once)'}`,
          restart: restartFailures,
        },
        sink,
        logger,
      );
    case 'ffmpeg':
      return new FfmpegSource(
        {
          ...ffmpegCommon,
          input: spec.args,
          codecArgs: hasVideoCodecArg(spec.args) ? [] : LIVE_X264_ARGS,
          description: `ffmpeg ${spec.args.join(' ')}`,
          restart: restartFailures,
        },
        sink,
        logger,
      );
    case 'url': {
      const protocolArgs = /^rtsps?:/i.test(spec.url) ? RTSP_INPUT_ARGS : [];
      const listener = isListenerUrl(spec.url);
      const analysis = listener ? null : new PullAnalysis();
      return new FfmpegSource(
        {
          ...ffmpegCommon,
          // RTSP: RTSP_INPUT_ARGS. No input -fflags +nobuffer: it discards the packets read while
          // probing (measured: an MPEG-TS over HTTP produced no frames at all).
          input: listener
            ? // A publisher (OBS, ffmpeg) starts each connection at a key frame with its parameter
              // sets, so 1 s of analysis finds everything; ffmpeg's default 5 s (FLV and MPEG-TS
              // may add streams later, so it reads the whole window) delayed the first picture by
              // about 5 s. (Pulled URLs may join a long GOP mid-way: PullAnalysis.)
              ['-analyzeduration', String(LISTENER_ANALYZE_US), ...(isRtmpListenerUrl(spec.url) ? rtmpListenerInput(spec.url) : ['-i', spec.url])]
            : () => [...analysis!.inputArgs(), ...protocolArgs, '-i', spec.url],
          mapArgs: ['-map', '0:v:0'],
          // A pushing encoder (OBS) sends H.264: copy it; if not, ffmpeg's FLV muxer says so in the log.
          codecArgs: listener ? async () => ['-c:v', 'copy'] : copyOrEncode(spec.url, redactUrl(spec.url), URL_PROBE_ANALYZE_US, protocolArgs),
          description: redactUrl(spec.url),
          // A listener is restarted too: each ffmpeg run takes one publisher, so a publisher that
          // reconnects (OBS after a network drop) meets a fresh listener.
          restart,
          stderrGuard: analysis ? analysis.watch : rtmpKeyGuard(spec.url),
        },
        sink,
        logger,
      );
    }
  }
}

/** Keeps camera passwords and stream keys out of logs. */
function redactUrl(url: string): string {
  return redactSecrets(url);
}

/**
 * How long ffmpeg analyses a pulled URL before it starts. Its default, 5 s, is read in full for
 * MPEG-TS and FLV (they may add streams later), on every start and reconnect: measured 5.5 s
 * before the first picture of an HTTP MPEG-TS source. 1 s suffices when a key frame with its
 * parameter sets arrives within it (short GOPs, RTMP/FLV sequence headers, segments that start at
 * a key frame). A run that joins a longer GOP fails with "Could not find codec parameters"; from
 * then on this source gets the full window.
 */
class PullAnalysis {
  private quick = true;

  inputArgs(): string[] {
    return this.quick ? ['-analyzeduration', String(QUICK_ANALYZE_US)] : [];
  }

  /** FfmpegSource stderrGuard: never refuses a run, only notices that the quick window was too short. */
  readonly watch = (line: string): null => {
    if (this.quick && /Could not find codec parameters/.test(line)) this.quick = false;
    return null;
  };
}
