import { Document, isMap, isScalar, type Node, type Pair } from 'yaml';
import { redactSecrets } from '../sources/redact.js';
import { ENV_CONFIG_FILE, envName, flagName } from './env.js';
import { isSecretPath, keySchema } from './json-schema.js';
import type { ConfigOrigins } from './resolve.js';
import { CONFIG_KEYS, type ServerConfig } from './schema.js';

/** What secrets look like in `framewire config`. */
export const REDACTED = '***';

/**
 * `framewire config`: the effective configuration as YAML, every key in definition order, each
 * value that did not come from the defaults followed by a comment saying where it came from.
 * Secrets (writeOnly in the schema: publish keys) and URL passwords are shown as ***.
 */
export function formatEffectiveConfig(config: ServerConfig, origins: ConfigOrigins): string {
  const ordered: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) ordered[key] = redact(config[key], [key]);
  const doc = new Document(ordered);
  doc.commentBefore = ' Effective Framewire configuration (defaults, then file, environment and flags).\n Secrets are shown as ***.';
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      annotate(pair, origins.get(key));
      if (key === 'streams' && isMap(pair.value)) {
        for (const stream of pair.value.items) {
          const name = String(isScalar(stream.key) ? stream.key.value : stream.key);
          annotate(stream, origins.get(`streams.${name}`));
        }
      }
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** `port: 9000 # FRAMEWIRE_PORT`; for a map the comment goes after its key (`cam: # --stream`). */
function annotate(pair: Pair, origin: string | undefined): void {
  if (origin === undefined) return;
  const node = (isScalar(pair.value) ? pair.value : pair.key) as Node | null;
  if (node) node.comment = ` ${origin}`;
}

function redact(value: unknown, path: PropertyKey[]): unknown {
  // An unset secret (null) is shown as such: `***` would suggest one is configured.
  if (isSecretPath(path)) return value === null || value === undefined ? value : REDACTED;
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, [...path, k])]));
  }
  return value;
}

/** The "Config keys" part of `framewire --help`: key, default and what it does, from the schema. */
export function configKeysHelp(): string {
  const width = Math.max(...CONFIG_KEYS.map((k) => k.length)) + 2;
  const lines = CONFIG_KEYS.map((key) => {
    const node = keySchema(key);
    const shown = typeof node.default === 'string' ? node.default : JSON.stringify(node.default);
    return `  ${key.padEnd(width)}${String(shown).padEnd(16)} ${node.description ?? ''}`;
  });
  return [
    'Config keys (KEY, DEFAULT, what it does). Every key is also a flag --kebab-case-key VALUE (or --set KEY=VALUE)',
    `and an environment variable FRAMEWIRE_UPPER_SNAKE_CASE_KEY, e.g. hlsPartTargetMs: --${flagName('hlsPartTargetMs')} 300`,
    `or ${envName('hlsPartTargetMs')}=300. Precedence: flag > environment > file (--config, or ${ENV_CONFIG_FILE}) > default.`,
    ...lines,
  ].join('\n');
}
