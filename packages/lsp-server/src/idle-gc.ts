/**
 * A full garbage collection once the editor goes quiet. Every edit builds a new TypeScript program
 * and every run brings a report back; V8 lets that garbage pile up (hundreds of MB) as long as
 * nothing forces a collection, and a long-lived sidecar should not hold memory it does not use.
 * Collecting when idle, as browsers do, costs one pause no one is waiting on.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  } catch {
    gc = null;
  }
  return gc;
}

export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly quietMs: number) {}

  /** Something happened: collect `quietMs` after the last poke. */
  poke(): void {
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        collector()?.();
      }, this.quietMs);
      this.timer.unref();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
