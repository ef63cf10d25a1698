/** Vite's `?worker&inline` import (vite/client.d.ts), for the `<script>` build's worker factory only. */
declare module '*?worker&inline' {
  const WorkerConstructor: new (options?: { name?: string }) => Worker;
  export default WorkerConstructor;
}
