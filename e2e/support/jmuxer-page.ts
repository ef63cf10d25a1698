/**
 * A jmuxer player fed the same access units as Framewire, for the bench. Served on the server's
 * own origin through page.route (no server change needed): /bench/jmuxer.html and
 * /bench/jmuxer.min.js. Settings are jmuxer's README advice for live low latency:
 * flushingTime 0, fps known, clearBuffer on, mode 'video', and isLastVideoFrameComplete on every feed
 * (each WS message is one complete access unit).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';

const require = createRequire(import.meta.url);

export function jmuxerScriptPath(): string {
  return require.resolve('jmuxer/dist/jmuxer.min.js');
}

const PAGE = (stream: string, fps: number): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>jmuxer bench</title></head>
<body style="margin:0;background:#000">
<video id="v" muted autoplay playsinline style="width:100%"></video>
<script src="/bench/jmuxer.min.js"></script>
<script>
  const video = document.getElementById('v');
  const jmuxer = new JMuxer({ node: video, mode: 'video', flushingTime: 0, fps: ${fps}, clearBuffer: true, debug: false });
  const ws = new WebSocket('ws://' + location.host + '/live/${encodeURIComponent(stream)}');
  ws.binaryType = 'arraybuffer';
  window.__jmuxerFed = 0;
  ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') return; // JSON control messages: jmuxer needs none
    const view = new DataView(ev.data);
    const headerBytes = view.getUint16(2);
    const durationTicks = view.getUint32(20);
    // AVCC (4-byte length + NAL) → Annex-B (start code + NAL), in place: same byte count.
    const au = new Uint8Array(ev.data, headerBytes);
    for (let off = 0; off + 4 <= au.length; ) {
      const n = ((au[off] << 24) | (au[off + 1] << 16) | (au[off + 2] << 8) | au[off + 3]) >>> 0;
      au[off] = 0; au[off + 1] = 0; au[off + 2] = 0; au[off + 3] = 1;
      off += 4 + n;
    }
    // isLastVideoFrameComplete: each message is exactly one whole access unit, so let jmuxer
    // push it at once. Without it jmuxer keeps the last NAL until the next start code arrives
    // (one frame of hold-back) and, with x264's sliced threads (2 slices per picture here),
    // splits every picture into two half-frames (green top half, doubled frame rate).
    jmuxer.feed({ video: au, duration: durationTicks / 90, isLastVideoFrameComplete: true });
    window.__jmuxerFed++;
  };
</script>
</body></html>`;

/** Routes the jmuxer page and script under `baseUrl` and returns the page URL. */
export async function routeJmuxerPage(page: Page, baseUrl: string, stream = 'cam', fps = 29.97): Promise<string> {
  const js = readFileSync(jmuxerScriptPath());
  await page.route(`${baseUrl}bench/jmuxer.min.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: js }));
  await page.route(`${baseUrl}bench/jmuxer.html`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE(stream, fps) }));
  return `${baseUrl}bench/jmuxer.html`;
}
