/** Bumped on any incompatible change to control messages or the media frame header. */
export const PROTOCOL_VERSION = 1;
