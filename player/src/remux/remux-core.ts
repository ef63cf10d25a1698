/**
 * The command handler shared by the worker entry and the inline fallback: WorkerCommand in,
 * WorkerMessage(s) out. Keeping it in one place means the fallback runs exactly the worker code.
 */
import { decodeMediaFrame } from '@framewire/shared';
import { Fmp4Remuxer } from './fmp4-remuxer.js';
import { transferList, type WorkerCommand, type WorkerMessage } from './worker-messages.js';

export type Post = (message: WorkerMessage, transfer: Transferable[]) => void;

export class RemuxCore {
  private readonly remuxers = new Map<number, Fmp4Remuxer>();

  constructor(private readonly post: Post) {}

  handle(command: WorkerCommand): void {
    const { instanceNo } = command;
    switch (command.cmd) {
      case 'init':
        this.remuxers.set(instanceNo, new Fmp4Remuxer(command.options));
        this.post({ type: 'ready', instanceNo }, []);
        break;
      case 'push': {
        const remuxer = this.remuxers.get(instanceNo);
        if (!remuxer) return;
        let sequence = -1;
        try {
          const frame = decodeMediaFrame(command.data);
          sequence = frame.sequence;
          const result = remuxer.push(frame);
          if (typeof result === 'string') this.post({ type: 'skipped', instanceNo, sequence, reason: result }, []);
          else this.post({ type: 'remuxed', instanceNo, result }, transferList(result));
        } catch (err) {
          this.post({ type: 'error', instanceNo, sequence, message: (err as Error).message ?? String(err) }, []);
        }
        break;
      }
      case 'discontinuity':
        this.remuxers.get(instanceNo)?.discontinuity();
        break;
      case 'reset':
        this.remuxers.get(instanceNo)?.reset();
        break;
      case 'destroy':
        this.remuxers.delete(instanceNo);
        break;
      default: {
        const never: never = command;
        this.post({ type: 'log', instanceNo, level: 'warn', message: `unknown command ${JSON.stringify(never)}` }, []);
      }
    }
  }
}
