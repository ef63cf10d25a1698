/**
 * The `<script>` build's remux worker: the worker bundle inlined (Vite `?worker&inline`), started
 * from a Blob URL, which has the embedding page's origin and so is allowed where the script's own
 * URL is not. Vite's wrapper falls back to a data: URL where Blob URLs are refused; a CSP that
 * forbids both makes `new Worker` throw and RemuxInterface remuxes inline on the main thread.
 */
import RemuxWorker from './remux.worker.ts?worker&inline';

export function createRemuxWorker(): Worker {
  return new RemuxWorker({ name: 'framewire-remux' });
}
