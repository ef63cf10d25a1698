import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument, type Pair } from 'yaml';
import { createError, describeError, ServerErrorCode } from '../errors.js';
import type { ConfigLayer } from './env.js';

/**
 * The --config file: YAML 1.2 (JSON is YAML, so the JSON files of earlier versions load as they
 * are). Each key's origin is `FILE:LINE`, so an error points at the line to fix.
 */
export async function readConfigFile(file: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw createError(ServerErrorCode.CONFIG_FILE, `cannot read config file ${file}: ${describeError(err)}`, { key: 'config', cause: err });
  }
  const lineCounter = new LineCounter();
  // uniqueKeys (the default): a key written twice is an error, not a silent "last one wins".
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const [error] = doc.errors;
  if (error) {
    throw createError(ServerErrorCode.CONFIG_FILE, `config file ${file} is not valid YAML or JSON: ${firstLine(error.message)}`, { key: 'config', cause: error });
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return { values: {}, origins: new Map() }; // an empty file
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw createError(ServerErrorCode.CONFIG_FILE, `config file ${file} must hold a mapping of keys (YAML) or an object (JSON)`, { key: 'config' });
  }
  const values = { ...(value as Record<string, unknown>) };
  delete values.$schema; // names the JSON Schema for editors; nothing for the server
  const origins = new Map<string, string>();
  const at = (pair: Pair) => {
    const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    return offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`;
  };
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      origins.set(key, at(pair));
      if (key === 'streams' && isMap(pair.value)) {
        for (const stream of pair.value.items) origins.set(`streams.${String(isScalar(stream.key) ? stream.key.value : stream.key)}`, at(stream));
      }
    }
  }
  return { values, origins };
}

/**
 * Layers lowest first (file, environment, command line): a later layer's key replaces an earlier
 * one's, except `streams`, which are merged by name (so `--stream` adds to the file's streams and
 * replaces a same-named one). The defaults are not a layer: the demo stream is served only when
 * no layer names any stream.
 */
export function mergeLayers(layers: readonly ConfigLayer[]): ConfigLayer {
  const merged: ConfigLayer = { values: {}, origins: new Map() };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      const before = merged.values[key];
      if (key === 'streams' && isPlainObject(value) && isPlainObject(before)) {
        merged.values.streams = { ...before, ...value };
      } else {
        merged.values[key] = value;
        for (const origin of merged.origins.keys()) if (origin.startsWith(`${key}.`)) merged.origins.delete(origin);
        const origin = layer.origins.get(key);
        if (origin !== undefined) merged.origins.set(key, origin);
      }
      if (key === 'streams' && isPlainObject(value)) {
        for (const name of Object.keys(value)) {
          const origin = layer.origins.get(`streams.${name}`) ?? layer.origins.get('streams');
          if (origin !== undefined) merged.origins.set(`streams.${name}`, origin);
        }
      }
    }
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The yaml package's message without its code frame: "… at line 2, column 1". */
export function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/:$/, '');
}
