/** When a stdin source's encoder exits, viewers are told and the server carries on with the rest. */
import { expect, test } from '@playwright/test';
import { openReading } from '../support/barcode-reader.js';
import { sleep, startBarcodeStream } from '../support/harness.js';
import { WsViewer } from '../support/ws-viewer.js';

test('encoder exit: page says the source ended, server keeps serving', async ({ page }) => {
  const stream = await startBarcodeStream({ width: 1280, height: 720, extraStreams: ['demo=demo'] });
  try {
    await openReading(page, stream.watchUrl);

    stream.source.kill('SIGKILL'); // the encoder dies: its stdout (the server's stdin) ends
    await stream.source.exited;

    await expect(page.getByTestId('player-message')).toContainText(/ended|exited|stopped|offline|finished|no longer/i, { timeout: 15_000 });

    const health = await fetch(`${stream.server.url}healthz`);
    expect(health.status).toBe(200);
    const api = await (await fetch(`${stream.server.url}api/streams`)).json();
    expect(JSON.stringify(api)).toContain('demo');

    // The other stream still delivers media.
    const viewer = new WsViewer(`${stream.server.wsUrl}live/demo`);
    await viewer.opened;
    await sleep(3000);
    viewer.close();
    expect(viewer.frames.length, 'demo frames in 3 s after cam ended').toBeGreaterThan(45);
    expect(stream.server.proc.exitCode).toBeNull();
  } finally {
    await stream.stop();
  }
});
