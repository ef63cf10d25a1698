import { parse as parseYaml } from 'yaml';
import { createError, ServerErrorCode } from '../errors.js';
import { firstLine } from './load.js';
import { keySchema, schemaTypes } from './json-schema.js';
import { CONFIG_KEYS, type ConfigKey } from './schema.js';

/** Environment variables start with this; the rest is the key in UPPER_SNAKE_CASE. */
export const ENV_PREFIX = 'FRAMEWIRE_';
/** The config file, when --config is not given. */
export const ENV_CONFIG_FILE = 'FRAMEWIRE_CONFIG';

/** hlsPartTargetMs → FRAMEWIRE_HLS_PART_TARGET_MS. */
export function envName(key: ConfigKey): string {
  return ENV_PREFIX + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** hlsPartTargetMs → hls-part-target-ms (the flag --hls-part-target-ms). */
export function flagName(key: ConfigKey): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** One layer of settings, with where each came from (resolve.ts ConfigOrigins). */
export interface ConfigLayer {
  values: Record<string, unknown>;
  origins: Map<string, string>;
}

/**
 * FRAMEWIRE_<KEY> for every config key that is set (other FRAMEWIRE_* variables are not the
 * config's: the test and dev tools use some). Values are text, converted by the key's type.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: ConfigLayer = { values: {}, origins: new Map() };
  for (const key of CONFIG_KEYS) {
    const name = envName(key);
    const text = env[name];
    if (text === undefined) continue;
    layer.values[key] = valueFromText(key, text, name);
    layer.origins.set(key, name);
  }
  return layer;
}

/**
 * Text from an environment variable or a flag → the value the key's type asks for, so that
 * `FRAMEWIRE_PORT=9000` is the number 9000. Text that does not convert is passed on as it is, and
 * validation then names the key and shows the text (`must be an integer …, got "abc"`).
 * Objects (streams) are YAML or JSON text: FRAMEWIRE_STREAMS='{cam: "rtsp://…", demo: demo}'.
 */
export function valueFromText(key: ConfigKey, text: string, origin: string): unknown {
  const types = schemaTypes(keySchema(key));
  // Lists (allowedOrigins): YAML/JSON `[a, b]`, or simply `a,b` (FRAMEWIRE_ALLOWED_ORIGINS=https://a.com,https://b.com).
  if (types.includes('array') && !text.trim().startsWith('[')) return text.trim() === '' ? [] : text.split(',').map((item) => item.trim());
  if (types.includes('object') || types.includes('array')) {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw createError(ServerErrorCode.CONFIG_INVALID, `config: ${key} (from ${origin}): not valid YAML or JSON: ${firstLine(err instanceof Error ? err.message : String(err))}`, { key });
    }
  }
  const trimmed = text.trim();
  if (types.includes('null') && trimmed === 'null') return null;
  if ((types.includes('integer') || types.includes('number')) && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) return Number(trimmed);
  if (types.includes('boolean') && /^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
  return text;
}
