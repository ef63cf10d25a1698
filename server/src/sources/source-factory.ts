import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { ServerErrorCode } from '../errors.js';
import { FfmpegSource, hasVideoCodecArg, LIVE_X264_ARGS, probeVideoCodec } from './ffmpeg-source.js';
import { DEMO_FIXTURE_PATH, PacedFileSource } from './paced-file-source.js';
import type { Source, SourceSink } from './source.js';
import { isListenerUrl, type SourceSpec } from './source-spec.js';
import { StdinSource } from './stdin-source.js';

/** Raw H.264 elementary streams carry no timestamps: play them directly, paced by the SPS rate. */
const RAW_H264 = /\.(h264|264|avc|h26l)$/i;

/** Builds the Source for a parsed SOURCE string. Never spawns anything until start(). */
export function createSource(spec: SourceSpec, sink: SourceSink, config: ServerConfig, logger: Logger): Source {
  const ffmpegCommon = {
    ffmpegPath: config.ffmpegPath,
    maxFlvTagBytes: config.maxFlvTagBytes,
    stopTimeoutMs: config.sourceStopTimeoutMs,
  };
  /** -c:v copy when the input is already H.264 (no re-encode, no added latency), else live x264. */
  const copyOrEncode = (input: string) => async () =>
    (await probeVideoCodec(config.ffprobePath, input, logger)) === 'h264' ? ['-c:v', 'copy'] : LIVE_X264_ARGS;

  switch (spec.kind) {
    case 'demo':
      return new PacedFileSource(DEMO_FIXTURE_PATH, sink, logger, ServerErrorCode.FIXTURE_MISSING);
    case 'stdin':
      return new StdinSource({ idleFlushMs: config.idleFlushMs, maxNalBytes: config.maxNalBytes }, sink, logger);
    case 'file':
      if (RAW_H264.test(spec.path)) return new PacedFileSource(spec.path, sink, logger);
      return new FfmpegSource(
        {
          ...ffmpegCommon,
          // -re: read at the native rate (a file is a simulated live source); loop forever.
          input: ['-re', '-stream_loop', '-1', '-i', spec.path],
          mapArgs: ['-map', '0:v:0'],
          codecArgs: copyOrEncode(spec.path),
          description: `file ${spec.path}`,
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
        },
        sink,
        logger,
      );
    case 'url': {
      const rtsp = /^rtsps?:/i.test(spec.url);
      return new FfmpegSource(
        {
          ...ffmpegCommon,
          // RTSP over TCP: no UDP loss or reordering. No input -fflags +nobuffer: it discards the
          // packets read while probing (measured: an MPEG-TS over HTTP produced no frames at all).
          input: [...(rtsp ? ['-rtsp_transport', 'tcp'] : []), '-i', spec.url],
          mapArgs: ['-map', '0:v:0'],
          // A pushing encoder (OBS) sends H.264: copy it; if not, ffmpeg's FLV muxer says so in the log.
          codecArgs: isListenerUrl(spec.url) ? async () => ['-c:v', 'copy'] : copyOrEncode(spec.url),
          description: redactUrl(spec.url),
          restart: { initialMs: config.sourceRestartInitialMs, maxMs: config.sourceRestartMaxMs },
        },
        sink,
        logger,
      );
    }
  }
}

/** Keeps camera passwords out of logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}
