/**
 * Creates the remux worker. The library and the pages load it as a module worker next to the
 * bundle (`new URL(…, import.meta.url)`, which bundlers recognise and re-emit).
 *
 * The `<script>` build (vite.config.ts "script build") swaps this module for
 * remux-worker-factory.inline.ts: that script runs on other sites, and a Worker must come from
 * the page's own origin (HTML "dedicated workers": a cross-origin script URL throws
 * SecurityError), so there the worker is inlined and started from a Blob URL.
 */
export function createRemuxWorker(): Worker {
  return new Worker(new URL('./remux.worker.ts', import.meta.url), { type: 'module', name: 'framewire-remux' });
}
