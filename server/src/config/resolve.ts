import type { z } from 'zod';
import { createError, ServerError, ServerErrorCode, type ServerErrorCodeValue } from '../errors.js';
import { redactSecrets } from '../sources/redact.js';
import { isListenerUrl, parseSourceSpec, type SourceSpec } from '../sources/source-spec.js';
import { isSecretPath } from './json-schema.js';
import { CONFIG_KEYS, configSchema, STREAM_NAME_PATTERN, streamObjectSchema, type ServerConfig, type StreamConfig, type StreamEntry } from './schema.js';

/**
 * Where each value came from, for error messages: 'port' → 'FRAMEWIRE_PORT',
 * 'streams.cam' → '--stream', 'logLevel' → '/etc/framewire.yaml:4'. Filled by load.ts.
 */
export type ConfigOrigins = ReadonlyMap<string, string>;

/**
 * Sources that can start on demand: an ffmpeg run or a file that can begin whenever a viewer
 * comes. Not `publish`, `stdin` or listener URLs (their publisher must find them open at any
 * time), nor `demo` (nothing to save: it is a file read in memory, and the first page a new user
 * opens should play at once).
 */
export function canStartOnDemand(spec: SourceSpec): boolean {
  if (spec.kind === 'url') return !isListenerUrl(spec.url);
  return spec.kind === 'file' || spec.kind === 'ffmpeg' || spec.kind === 'camera';
}

/**
 * Merges `partial` over the defaults and validates every key (schema.ts). Throws ServerError
 * SRV_ERR_CONFIG_INVALID on unknown keys or bad values, SRV_ERR_STREAM_NAME_INVALID /
 * SRV_ERR_SOURCE_INVALID for bad streams; err.key is the offending key (the stream name for
 * stream entries) and the message names the key and, when `origins` knows it, where it came from:
 * `config: port (from FRAMEWIRE_PORT): must be an integer 0..65535 (0 = any free port), got "abc"`.
 * Every bad value is listed, one per line.
 */
export function resolveServerConfig(partial: Partial<ServerConfig> | Record<string, unknown> = {}, origins: ConfigOrigins = new Map()): ServerConfig {
  const input = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw issuesError(parsed.error.issues, input, origins);
  const config = parsed.data;
  if (config.sourceRestartMaxMs < config.sourceRestartInitialMs) {
    throw keyError(ServerErrorCode.CONFIG_INVALID, ['sourceRestartMaxMs'], origins,
      `must be >= sourceRestartInitialMs (${config.sourceRestartInitialMs}), got ${config.sourceRestartMaxMs}`);
  }
  const streams: Record<string, StreamEntry> = {};
  for (const [name, entry] of Object.entries(config.streams)) streams[name] = resolveStreamEntry(name, entry, origins);
  checkSecurityKeys(config, origins);
  return { ...config, streams };
}

/** "SOURCE" or {source, key, onDemand} → {source, key?, onDemand?}. */
export function streamConfig(entry: StreamEntry): StreamConfig {
  return typeof entry === 'string' ? { source: entry } : entry;
}

/** The checks a type cannot express: the SOURCE parses, `key` and `onDemand` fit the source. */
function resolveStreamEntry(name: string, entry: StreamEntry, origins: ConfigOrigins): StreamEntry {
  const path = ['streams', name];
  const bad = (message: string) => keyError(ServerErrorCode.CONFIG_INVALID, path, origins, message);
  const { source, key, onDemand, requireViewerToken, maxViewers } = streamConfig(entry);
  let spec: SourceSpec;
  try {
    spec = parseSourceSpec(source, name);
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    throw keyError(err.code, path, origins, err.message.replace(/^stream "[^"]*": /, ''));
  }
  if (typeof entry === 'string') return entry;
  const resolved: StreamConfig = { source };
  if (key !== undefined) {
    if (spec.kind !== 'publish') throw bad(`"key" is only used by publish streams (source is "${redactSecrets(source)}")`);
    resolved.key = key;
  }
  if (onDemand === true) {
    if (!canStartOnDemand(spec)) {
      throw bad(`"onDemand" needs a source that can start when a viewer comes (file:, ffmpeg:, camera, a pulled URL); "${redactSecrets(source)}" is always on`);
    }
    resolved.onDemand = true;
  }
  if (requireViewerToken !== undefined) resolved.requireViewerToken = requireViewerToken;
  if (maxViewers !== undefined) resolved.maxViewers = maxViewers;
  return resolved;
}

/**
 * Tokens asked for without a secret to check them would lock every viewer out (or, worse, tempt
 * a fallback to "open"): refused at start. TLS needs both files.
 */
function checkSecurityKeys(config: ServerConfig, origins: ConfigOrigins): void {
  const tokenStreams = Object.entries(config.streams)
    .filter(([, entry]) => streamConfig(entry).requireViewerToken ?? config.requireViewerToken)
    .map(([name]) => name);
  if (tokenStreams.length > 0 && config.viewerTokenSecret === null) {
    const which = config.requireViewerToken ? 'requireViewerToken is true' : `stream${tokenStreams.length > 1 ? 's' : ''} ${tokenStreams.map((n) => `"${n}"`).join(', ')} require${tokenStreams.length > 1 ? '' : 's'} viewer tokens`;
    throw keyError(ServerErrorCode.CONFIG_INVALID, ['viewerTokenSecret'], origins, `must be set (at least 32 characters, e.g. \`openssl rand -base64 48\`) when ${which}`);
  }
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    const missing = config.tlsCert === null ? 'tlsCert' : 'tlsKey';
    const given = missing === 'tlsCert' ? 'tlsKey' : 'tlsCert';
    throw keyError(ServerErrorCode.CONFIG_INVALID, [missing], origins, `must be set too when ${given} is (HTTPS needs a certificate and its key)`);
  }
}

// Error messages ------------------------------------------------------------------------------

type Path = readonly PropertyKey[];

/** `config: streams.cam.key (from /etc/framewire.yaml:7): MESSAGE`, err.key = cam (a stream) or the top-level key. */
function keyError(code: ServerErrorCodeValue, path: Path, origins: ConfigOrigins, message: string): ServerError {
  return createError(code, `config: ${describePath(path, origins)}: ${message}`, { key: errorKey(path) });
}

function issuesError(issues: readonly z.core.$ZodIssue[], input: unknown, origins: ConfigOrigins): ServerError {
  const lines: { code: ServerErrorCodeValue; key: string; text: string }[] = [];
  for (const issue of flattenUnions(issues)) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const unknown of issue.keys) {
        const full = [...path, unknown];
        const hint = suggest(unknown, path.length === 0 ? CONFIG_KEYS : Object.keys(streamObjectSchema.shape));
        lines.push({ code: ServerErrorCode.CONFIG_INVALID, key: errorKey(full), text: `config: ${describePath(full, origins)}: unknown key "${unknown}"${hint}` });
      }
    } else if (issue.code === 'invalid_key' && path[0] === 'streams') {
      lines.push({
        code: ServerErrorCode.STREAM_NAME_INVALID,
        key: errorKey(path),
        text: `config: ${describePath(path, origins)}: stream name "${String(path[1])}" must match ${STREAM_NAME_PATTERN.source}`,
      });
    } else {
      const value = valueAt(input, path);
      // Secrets are never echoed; other values are, with URL passwords masked.
      const text = value === undefined ? `is missing (must be ${issue.message})`
        : `must be ${issue.message}${isSecretPath(path) ? '' : `, got ${redactSecrets(JSON.stringify(value))}`}`;
      lines.push({ code: ServerErrorCode.CONFIG_INVALID, key: errorKey(path), text: `config: ${describePath(path, origins)}: ${text}` });
    }
  }
  const first = lines[0] ?? { code: ServerErrorCode.CONFIG_INVALID, key: 'config', text: 'config: invalid' };
  return createError(first.code, lines.map((l) => l.text).join('\n'), { key: first.key });
}

/**
 * A union issue says only "no branch matched". When the value has the shape of one branch (a
 * stream object with a bad field), that branch's own issues are the useful ones.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== 'invalid_union') {
      out.push(issue);
      continue;
    }
    const branch = issue.errors.find((errors) => !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0));
    if (!branch) out.push(issue);
    else out.push(...flattenUnions(branch.map((e) => ({ ...e, path: [...issue.path, ...e.path] }))));
  }
  return out;
}

/** streams.cam.onDemand (from --stream) — the origin of the longest known prefix. */
function describePath(path: Path, origins: ConfigOrigins): string {
  const name = path.map(String).join('.');
  for (let n = path.length; n > 0; n--) {
    const origin = origins.get(path.slice(0, n).map(String).join('.'));
    if (origin !== undefined) return `${name} (from ${origin})`;
  }
  return name;
}

/** err.key: the stream name for anything inside streams.NAME (stable since issue 4), else the top-level key. */
function errorKey(path: Path): string {
  if (path[0] === 'streams' && path.length > 1) return String(path[1]);
  return String(path[0] ?? 'config');
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const part of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

/** ` (did you mean "port"?)` for a near miss: same letters ignoring case, or one or two edits away. */
function suggest(word: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === null ? '' : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
