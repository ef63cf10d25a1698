/** Public API of @framewire/player. */
export { FramewirePlayer, liveSocketUrl } from './player.js';
export { PlayerEvents, EventEmitter, type PlayerListeners } from './events.js';
export { ErrorTypes, ErrorDetails, type PlayerErrorData } from './errors.js';
export { defaultPlayerConfig, mergeConfig, PlayerConfigError, type PlayerConfig } from './config.js';
export type { PlayerStats } from './stats/stats-collector.js';
export { Fmp4Remuxer, type RemuxResult, type InitSegment } from './remux/fmp4-remuxer.js';
export { decideLatencyAction, type LatencyAction, type LatencyInput, type LatencyPolicy } from './latency/latency-controller.js';
export { StatsOverlay } from './ui/stats-overlay.js';
export { selectMode, type PlaybackMode, type FallbackSetting, type PlaybackCapabilities, type ModeDecision, type ModeTrigger, type SwitchReason } from './fallback/mode-selector.js';
export { hlsPlaylistUrl } from './fallback/hls-url.js';
export { FramewirePlayerElement, type ElementErrorDetail, type FramewirePlayerElementEventMap, type FramewirePlayerEventMap } from './element/framewire-player-element.js';
export { streamSocketUrl } from './element/element-attributes.js';
