/**
 * The server's configuration. The keys, their defaults (each commented with the module that reads
 * it) and their checks are defined once in config/schema.ts; add new keys there. This module keeps
 * the import path the rest of the server uses.
 */
export {
  configSchema,
  CONFIG_KEYS,
  defaultServerConfig,
  LOG_FORMATS,
  LOG_LEVELS,
  PUBLISH_KEY_PATTERN,
  STREAM_NAME_PATTERN,
  type ConfigKey,
  type LogFormat,
  type LogLevel,
  type ServerConfig,
  type StreamConfig,
  type StreamEntry,
} from './config/schema.js';
export { canStartOnDemand, resolveServerConfig, streamConfig, type ConfigOrigins } from './config/resolve.js';
