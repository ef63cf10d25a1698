export { startServer, type RunningServer, type StartOptions } from './app.js';
export { defaultServerConfig, resolveServerConfig, STREAM_NAME_PATTERN, type ServerConfig, type LogLevel } from './config.js';
export { ServerError, ServerErrorCode, createError, type ServerErrorCodeValue } from './errors.js';
export { Stream, type StreamSnapshot, type StreamSubscriber } from './pipeline/stream.js';
export { AnnexBIngest, type AnnexBIngestOptions } from './pipeline/annexb-ingest.js';
export { FlvDemuxer, type FlvVideoFrame } from './sources/flv-demuxer.js';
export { parseSourceSpec, type SourceSpec } from './sources/source-spec.js';
export type { Source, SourceSink } from './sources/source.js';
