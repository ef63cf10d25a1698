import type { AccessUnit } from '@framewire/shared';

/** Where a source delivers its output: implemented by pipeline/stream.ts Stream. */
export interface SourceSink {
  /** One complete access unit with timing, delivered the moment it is complete. */
  accessUnit(au: AccessUnit): void;
  /** The source finished by itself (end of input, process exited 0) and will not come back. */
  ended(reason: string): void;
  /** The source stopped and will be started again: viewers keep their connection and wait. */
  restarting(reason: string): void;
  /** The source failed (spawn error, non-zero exit, unreadable input). */
  failed(err: Error): void;
}

/** The producer side of a stream (ARCHITECTURE.md: demo, stdin, file:, ffmpeg:, URLs). */
export interface Source {
  /** For logs, e.g. "ffmpeg -re -f lavfi …". */
  readonly description: string;
  /** Starts producing into the sink. Never throws: failures go to sink.failed(). */
  start(): void;
  /** Stops producing and releases everything (timers, child processes). Idempotent. */
  stop(): Promise<void>;
  /** Sources that start a process again after it ends (FfmpegSource): how many times they did. */
  readonly restarts?: number;
  /** Sources fed by a publisher (PublishSource): whether one is connected now (/api/streams `publisher`). */
  readonly publishing?: boolean;
}
