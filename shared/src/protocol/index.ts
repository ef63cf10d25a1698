export * from './version.js';
export * from './control-messages.js';
export * from './media-frame.js';
export * from './media-frame-codec.js';
export * from './subprotocols.js';
