/// <reference lib="webworker" />
/** Worker entry: WorkerCommand → RemuxCore → WorkerMessage, results posted with transfer lists. */
import { RemuxCore } from './remux-core.js';
import type { WorkerCommand } from './worker-messages.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const core = new RemuxCore((message, transfer) => scope.postMessage(message, transfer));

scope.onmessage = (ev: MessageEvent<WorkerCommand>) => core.handle(ev.data);
