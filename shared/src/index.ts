export * from './protocol/index.js';
export * from './h264/index.js';
export * from './time/timebase.js';
