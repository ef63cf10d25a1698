/**
 * Makes a custom element look like the <video> inside it, so that media-chrome and similar UIs
 * (which drive a `slot="media"` element through the HTMLMediaElement API and listen to its media
 * events) can control it. The same approach as muxinc's custom-media-element: every property and
 * method of HTMLVideoElement/HTMLMediaElement that HTMLElement does not already have is defined
 * on the element's prototype and forwarded to the inner <video>; media events, which neither
 * bubble nor cross a shadow root (they are not `composed`), are dispatched again on the host.
 */

/** HTML "Media elements" event summary, plus Picture-in-Picture and `resize` (HTMLVideoElement). */
export const MEDIA_EVENTS = [
  'abort', 'canplay', 'canplaythrough', 'durationchange', 'emptied', 'encrypted', 'ended', 'error',
  'loadeddata', 'loadedmetadata', 'loadstart', 'pause', 'play', 'playing', 'progress', 'ratechange',
  'resize', 'seeked', 'seeking', 'stalled', 'suspend', 'timeupdate', 'volumechange', 'waiting',
  'waitingforkey', 'enterpictureinpicture', 'leavepictureinpicture',
] as const;

/**
 * Not forwarded: the element decides the source (`src` is the stream, `load()` restarts the
 * player), and its own box is its size (width/height on the inner <video> would fight the CSS).
 */
const NOT_FORWARDED: ReadonlySet<string> = new Set(['constructor', 'src', 'srcObject', 'load', 'width', 'height']);

/**
 * The HTMLVideoElement API the element forwards, for TypeScript (declaration-merged onto the
 * element class). Members an HTMLElement already has (addEventListener, hidden, title, …) stay
 * the host's own.
 */
export type ForwardedMediaApi = Omit<HTMLVideoElement, keyof HTMLElement | 'src' | 'srcObject' | 'load' | 'width' | 'height'>;

/**
 * Defines forwarding accessors and methods on `proto` for every member of the media element
 * prototypes that `proto` and HTMLElement lack. `media(this)` returns the inner element. Does
 * nothing outside a browser (the library is also imported in Node, e.g. for its remuxer).
 */
export function forwardMediaApi(proto: object, media: (host: object) => HTMLMediaElement): void {
  if (typeof HTMLVideoElement === 'undefined') return;
  for (const source of [HTMLVideoElement.prototype, HTMLMediaElement.prototype]) {
    for (const name of Object.getOwnPropertyNames(source)) {
      if (NOT_FORWARDED.has(name) || name in HTMLElement.prototype || Object.prototype.hasOwnProperty.call(proto, name)) continue;
      const d = Object.getOwnPropertyDescriptor(source, name);
      if (!d) continue;
      if (typeof d.value === 'function') {
        Object.defineProperty(proto, name, {
          configurable: true,
          writable: true,
          value: function (this: object, ...args: unknown[]) {
            const target = media(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
            return target[name]!(...args);
          },
        });
      } else if (d.get) {
        Object.defineProperty(proto, name, {
          configurable: true,
          get(this: object) {
            return (media(this) as unknown as Record<string, unknown>)[name];
          },
          ...(d.set ? { set(this: object, v: unknown) { (media(this) as unknown as Record<string, unknown>)[name] = v; } } : {}),
        });
      } else {
        // Constants such as HAVE_ENOUGH_DATA and NETWORK_LOADING.
        Object.defineProperty(proto, name, { configurable: true, value: d.value });
      }
    }
  }
}
