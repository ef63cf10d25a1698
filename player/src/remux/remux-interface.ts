/**
 * RemuxInterface: main-thread facade of the remux worker (hls.js transmuxer-interface.ts).
 * If `new Worker` throws (CSP, file://, no module workers) or the worker fails to load, the same
 * RemuxCore runs inline on the main thread.
 */
import type { RemuxerOptions } from './fmp4-remuxer.js';
import { RemuxCore } from './remux-core.js';
import { createRemuxWorker } from './remux-worker-factory.js';
import type { WorkerCommand, WorkerMessage } from './worker-messages.js';

let nextInstanceNo = 1;

export interface RemuxInterfaceHandlers {
  onMessage(message: WorkerMessage): void;
  /** The worker failed; the interface has switched to inline remuxing. */
  onWorkerError(reason: string): void;
}

export class RemuxInterface {
  readonly instanceNo = nextInstanceNo++;
  private worker: Worker | null = null;
  private inline: RemuxCore | null = null;
  private destroyed = false;

  constructor(
    useWorker: boolean,
    private readonly handlers: RemuxInterfaceHandlers,
    private readonly options: RemuxerOptions = {},
  ) {
    if (useWorker) {
      try {
        const worker = createRemuxWorker();
        worker.onmessage = (ev: MessageEvent<WorkerMessage>) => this.receive(ev.data);
        worker.onerror = (ev: ErrorEvent) => {
          ev.preventDefault();
          this.fallBack(`remux worker error: ${ev.message || 'failed to load'}`);
        };
        this.worker = worker;
      } catch (err) {
        this.handlers.onWorkerError(`new Worker threw: ${(err as Error).message}; remuxing inline`);
      }
    }
    if (!this.worker) this.inline = this.makeInline();
    this.send({ cmd: 'init', instanceNo: this.instanceNo, options: this.options });
  }

  get usingWorker(): boolean {
    return this.worker !== null;
  }

  /** Hands one WS binary message to the remuxer (transferred: do not use `data` afterwards). */
  push(data: ArrayBuffer): void {
    this.send({ cmd: 'push', instanceNo: this.instanceNo, data }, [data]);
  }

  discontinuity(): void {
    this.send({ cmd: 'discontinuity', instanceNo: this.instanceNo });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.send({ cmd: 'destroy', instanceNo: this.instanceNo });
    this.destroyed = true;
    this.worker?.terminate();
    this.worker = null;
    this.inline = null;
  }

  private makeInline(): RemuxCore {
    return new RemuxCore((message) => this.receive(message));
  }

  private fallBack(reason: string): void {
    if (!this.worker) return;
    this.worker.terminate();
    this.worker = null;
    this.inline = this.makeInline();
    this.inline.handle({ cmd: 'init', instanceNo: this.instanceNo, options: this.options });
    this.handlers.onWorkerError(`${reason}; remuxing inline`);
  }

  private send(command: WorkerCommand, transfer: Transferable[] = []): void {
    if (this.destroyed) return;
    if (this.worker) this.worker.postMessage(command, transfer);
    else this.inline?.handle(command);
  }

  private receive(message: WorkerMessage): void {
    if (this.destroyed || message.instanceNo !== this.instanceNo) return;
    this.handlers.onMessage(message);
  }
}
