import { EXIT } from './usage.js';

/**
 * `volt journal list | head`: once the reader has what it wants it closes the pipe, and the next
 * write fails with EPIPE. That is the reader's choice, not an error: end at once, quietly, with 0
 * (the output so far is what was asked for). Any other failure of stdout is said in one line.
 */
export function endQuietlyWhenStdoutCloses(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    process.stderr.write(`volt: cannot write the output: ${e.message}\n`);
    process.exit(EXIT.error);
  });
}

let installed = false;
