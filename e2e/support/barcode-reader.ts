/**
 * In-page barcode reader. Injected with page.addInitScript(readerScript()) before navigation, it
 * finds the <video>, and for every presented frame (requestVideoFrameCallback) draws only the
 * barcode band to a canvas, reads the block centres, checks guards and CRC, and records
 *   presented-at = performance.timeOrigin + meta.expectedDisplayTime (+ measured clock skew)
 *   latency      = presented-at − capture time in the barcode.
 * expectedDisplayTime is the compositor's estimate of when the frame reaches the screen (hand-off
 * + one vsync), so the "page draws the stamp itself" reference reads one vsync (~16 ms): the
 * floor of the method.
 *
 * Clock: the barcode holds Node's Date.now(); the page compares it with timeOrigin + a monotonic
 * offset. Both come from the same system clock; the reader measures the residual skew
 * (Date.now() − (timeOrigin + performance.now())) at install time and corrects for it. Date.now()
 * floors to whole ms, so figures carry up to 1 ms of quantisation.
 */
import { expect, type Page } from '@playwright/test';
import { barcodeBits, barcodeLayout, crc8, decodeBarcode } from './barcode.js';

export interface ReaderOptions {
  /** CSS selector of the video to read; default 'video'. */
  selector?: string;
  /** Cap on stored samples (a ring is not needed for runs of a minute or two). */
  maxSamples?: number;
}

/** [presentedAtMs (epoch), captureMs, latencyMs, presentedFrames] */
export type RawSample = [number, number, number, number];

export interface ReaderState {
  samples: RawSample[];
  misreads: number;
  callbacks: number;
  /** expectedDisplayTime of the first presented frame, ms after navigation start. */
  firstFrameMs: number | null;
  lastPresentedFrames: number;
  skewMs: number;
  attached: number;
  errors: string[];
}

declare global {
  interface Window {
    __barcode: ReaderState;
  }
}

/** Runs in the page. Only references the injected barcode functions. */
function installBarcodeReader(opts: { selector: string; maxSamples: number }): void {
  const skews: number[] = [];
  for (let i = 0; i < 41; i++) skews.push(Date.now() - (performance.timeOrigin + performance.now()));
  skews.sort((a, b) => a - b);
  const state: ReaderState = {
    samples: [],
    misreads: 0,
    callbacks: 0,
    firstFrameMs: null,
    lastPresentedFrames: 0,
    skewMs: skews[20] as number,
    attached: 0,
    errors: [],
  };
  window.__barcode = state;
  let canvas: HTMLCanvasElement | null = null;
  let ctx: CanvasRenderingContext2D | null = null;
  const attached = new WeakSet<HTMLVideoElement>();

  function attach(video: HTMLVideoElement): void {
    attached.add(video);
    state.attached++;
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
      video.requestVideoFrameCallback(onFrame);
      state.callbacks++;
      if (state.firstFrameMs === null) state.firstFrameMs = meta.expectedDisplayTime;
      state.lastPresentedFrames = meta.presentedFrames;
      const presentedAt = performance.timeOrigin + meta.expectedDisplayTime + state.skewMs;
      try {
        const W = video.videoWidth;
        const H = video.videoHeight;
        if (!W || !H) return;
        const L = barcodeLayout(W, H);
        if (!canvas) {
          canvas = document.createElement('canvas');
          ctx = canvas.getContext('2d', { willReadFrequently: true });
        }
        if (canvas.width !== W || canvas.height !== L.blockH) {
          canvas.width = W;
          canvas.height = L.blockH;
        }
        const c = ctx as CanvasRenderingContext2D;
        c.drawImage(video, 0, L.y0, W, L.blockH, 0, 0, W, L.blockH);
        const img = c.getImageData(0, 0, W, L.blockH).data;
        const ms = decodeBarcode(
          (x, y) => {
            const i = ((y - L.y0) * W + x) * 4;
            return ((img[i] as number) + (img[i + 1] as number) + (img[i + 2] as number)) / 3;
          },
          W,
          H,
        );
        if (ms < 0) state.misreads++;
        else if (state.samples.length < opts.maxSamples) {
          state.samples.push([presentedAt, ms, presentedAt - ms, meta.presentedFrames]);
        }
      } catch (e) {
        if (state.errors.length < 20) state.errors.push(String(e));
      }
    };
    video.requestVideoFrameCallback(onFrame);
  }

  // The player may create its <video> late or replace it: keep looking.
  const poll = (): void => {
    for (const v of Array.from(document.querySelectorAll<HTMLVideoElement>(opts.selector))) {
      if (!attached.has(v)) attach(v);
    }
  };
  const fast = setInterval(poll, 4);
  setTimeout(() => {
    clearInterval(fast);
    setInterval(poll, 100);
  }, 10_000);
}

/**
 * Runs in the page: a canvas stream with the barcode of Date.now() drawn `fps` times a second
 * (the encoded time is when the picture was made), for the reference row and the publisher page.
 */
function barcodeCanvasStream(opts: { width: number; height: number; fps: number }): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = opts.width;
  canvas.height = opts.height;
  const c = canvas.getContext('2d') as CanvasRenderingContext2D;
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
  const L = barcodeLayout(opts.width, opts.height);
  const t0 = performance.now();
  const interval = 1000 / opts.fps;
  let n = 0;
  const draw = (): void => {
    if (track.readyState === 'ended') return;
    c.fillStyle = `rgb(${(n * 3) % 200},90,140)`;
    c.fillRect(0, 0, opts.width, opts.height);
    c.fillStyle = 'rgb(128,128,128)';
    c.fillRect(0, L.y0 - 8, opts.width, L.blockH + 16);
    const bits = barcodeBits(Date.now());
    for (let i = 0; i < bits.length; i++) {
      c.fillStyle = bits[i] ? 'rgb(235,235,235)' : 'rgb(16,16,16)';
      c.fillRect(L.x0 + i * L.blockW, L.y0, L.blockW, L.blockH);
    }
    track.requestFrame();
    n++;
    setTimeout(draw, Math.max(0, t0 + n * interval - performance.now()));
  };
  draw();
  return stream;
}

/** Runs in the page: draws the barcode itself (no codec) to a canvas → captureStream → <video>. */
function installCanvasSource(opts: { width: number; height: number; fps: number }): void {
  const start = (): void => {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.style.width = '100%';
    video.srcObject = barcodeCanvasStream(opts);
    document.body.appendChild(video);
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
}

/**
 * Runs in a publisher page: getUserMedia returns the barcode canvas stream instead of a camera,
 * so the picture carries its capture time through the browser's encoder, the server and the
 * viewer's decoder (publisher-to-viewer latency).
 */
function installBarcodeCamera(opts: { width: number; height: number; fps: number }): void {
  const getUserMedia = async (): Promise<MediaStream> => barcodeCanvasStream(opts);
  Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: getUserMedia, configurable: true });
}

const LIB = [barcodeLayout, crc8, barcodeBits, decodeBarcode, barcodeCanvasStream].map((f) => f.toString()).join('\n');

/** Source for page.addInitScript({ content }): a barcode canvas in place of the camera. */
export function barcodeCameraScript(width: number, height: number, fps = 30): string {
  return `(() => {\n${LIB}\n(${installBarcodeCamera.toString()})(${JSON.stringify({ width, height, fps })});\n})();`;
}

/** Source for page.addInitScript({ content }). */
export function readerScript(options: ReaderOptions = {}): string {
  const opts = { selector: options.selector ?? 'video', maxSamples: options.maxSamples ?? 100_000 };
  return `(() => {\n${LIB}\n(${installBarcodeReader.toString()})(${JSON.stringify(opts)});\n})();`;
}

/** Source for a page that draws the barcode itself (reference row / reader self-test). */
export function canvasSourceScript(width: number, height: number, fps = 30000 / 1001): string {
  return `(() => {\n${LIB}\n(${installCanvasSource.toString()})(${JSON.stringify({ width, height, fps })});\n})();`;
}

export async function installReader(page: Page, options: ReaderOptions = {}): Promise<void> {
  await page.addInitScript({ content: readerScript(options) });
}

/**
 * installReader, open `url`, and wait for the first presented frame with a readable barcode: the
 * start of every latency measurement (a page that never shows one fails here, after `timeoutMs`).
 */
export async function openReading(page: Page, url: string, timeoutMs = 15_000): Promise<void> {
  await installReader(page);
  await page.goto(url);
  await expect.poll(() => page.evaluate(() => window.__barcode.samples.length), { timeout: timeoutMs }).toBeGreaterThan(0);
}
