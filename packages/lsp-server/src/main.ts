import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { VoltServer } from './server.js';
import { stdioFrameWatch } from './framing.js';
import { serverVersion } from './version.js';

const USAGE = `usage: volt-lsp --stdio

The Volt sidecar: the language server every Volt editor face starts (VS Code, Neovim).
  --stdio      talk LSP over stdin/stdout (what an editor runs)
  --version    print the version and exit`;

/** What `volt-lsp` does with its arguments: `--version` and `--help` answer; anything else serves LSP. */
export function main(argv: string[]): void {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`volt-lsp ${serverVersion()}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  // A stream that can no longer be read ends the process, so the editor starts a fresh server.
  stdioFrameWatch(argv, process.env);
  new VoltServer(createConnection(ProposedFeatures.all)).listen();
}
