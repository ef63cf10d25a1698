import { z } from 'zod';
import { configSchema, type ConfigKey } from './schema.js';

/** A JSON Schema node, as far as this module reads it. */
export interface JsonSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  writeOnly?: boolean;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  anyOf?: JsonSchemaNode[];
  [keyword: string]: unknown;
}

/** Where the schema is published in the repository (checked up to date by test/config/json-schema.test.ts). */
export const JSON_SCHEMA_FILE = 'framewire.schema.json';

let cached: JsonSchemaNode | null = null;

/**
 * The JSON Schema of a config file, generated from configSchema (the same definition the server
 * validates with). `io: 'input'`: keys with a default are optional in a file. `$schema` is allowed
 * as a key so a JSON config can name its schema (VS Code reads it); the loader drops it.
 */
export function buildJsonSchema(): JsonSchemaNode {
  if (cached) return cached;
  const generated = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchemaNode;
  const { $schema, properties, ...rest } = generated;
  cached = {
    $schema,
    title: 'Framewire server configuration',
    description:
      'framewire serve --config FILE (YAML or JSON). Every key can also be set with an environment variable FRAMEWIRE_UPPER_SNAKE_CASE_KEY or a flag --kebab-case-key (precedence: flag > environment > file > default). Generated from server/src/config/schema.ts by `framewire schema`.',
    ...rest,
    properties: { $schema: { type: 'string', description: 'the JSON Schema of this file (ignored by the server)' }, ...properties },
  };
  return cached;
}

/** The schema of one top-level key. */
export function keySchema(key: ConfigKey): JsonSchemaNode {
  const node = buildJsonSchema().properties?.[key];
  if (!node) throw new Error(`no schema for config key ${key}`);
  return node;
}

/** The types a node accepts ('integer', 'string', 'null', …), through anyOf. */
export function schemaTypes(node: JsonSchemaNode): string[] {
  const own = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
  return [...own, ...(node.anyOf ?? []).flatMap(schemaTypes)];
}

/**
 * Is the value at `path` (e.g. ['streams', 'cam', 'key']) marked writeOnly, i.e. a secret that
 * `framewire config` and error messages must not show?
 */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  let nodes: JsonSchemaNode[] = [buildJsonSchema()];
  for (const part of path) {
    const next: JsonSchemaNode[] = [];
    for (const node of nodes.flatMap((n) => [n, ...(n.anyOf ?? [])])) {
      const child = node.properties?.[String(part)] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (child) next.push(child);
    }
    nodes = next;
  }
  return nodes.some((n) => n.writeOnly === true);
}
