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

/**
 * Young generations that stay small. V8 doubles an isolate's young generation (two semi-spaces)
 * whenever many objects survive a scavenge, up to 2 × 16 MB, and never gives it back: over 500
 * save/backtest cycles the server's own thread went 8 → 16 → 32 MB (the step near the 300th
 * cycle) and the analysis thread sat at 32 MB, ~50 MB of RSS for garbage that dies young.
 * The growth factor is read at each growth, process-wide, so 1 freezes every isolate's young
 * generation at the size it starts with; the minimum semi-space is read when an isolate is
 * created, so threads started from now on (analysis, backtest workers) start at 2 × 4 MB, which
 * the compiler needs to stay as fast as before (2 × 1 MB cost ~2 ms per edit; 2 × 8 MB gained
 * nothing measurable). Starting a worker thread puts the growth factor back to its default, so
 * each worker calls this again once it is up (the server calls it before any worker starts).
 */
/** A full collection now, where the runtime allows one (after a reply is posted, off its path). */
export function collectGarbage(): void {
  collector()?.();
}

export function keepYoungGenerationsSmall(): void {
  try {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    v8.setFlagsFromString('--min-semi-space-size=4');
  } catch {
    // A runtime without V8 flags: only the memory figure changes.
  }
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
        collectGarbage();
      }, this.quietMs);
      this.timer.unref();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
