/**
 * Counts who currently wants a stream's pictures (WS viewers, HLS clients), so an on-demand
 * source (sources/on-demand-source.ts) runs only while someone watches. Kept apart from the
 * stream's subscriber set on purpose: a consumer that is always attached (an HLS packager
 * subscribing once for all its clients) must not keep an on-demand source running by itself.
 */
export class ViewerDemand {
  private count = 0;
  private listener: ((count: number) => void) | null = null;

  /** How many holders there are now. */
  get current(): number {
    return this.count;
  }

  /** One listener (the stream's on-demand source), called on every change with the new count. */
  setListener(listener: ((count: number) => void) | null): void {
    this.listener = listener;
  }

  /**
   * Adds one holder; the returned function removes it. The release is idempotent, so a transport
   * may call it from several close paths without driving the count below the real number.
   */
  acquire(): () => void {
    this.count++;
    this.listener?.(this.count);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count--;
      this.listener?.(this.count);
    };
  }
}
