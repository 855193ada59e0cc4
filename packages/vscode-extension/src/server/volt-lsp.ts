/**
 * The sidecar as the extension ships it: packages/lsp-server's VoltServer on stdio, bundled by
 * esbuild.config.mjs into dist/server/bin/volt-lsp.js. Same wiring as lsp-server's own
 * bin/volt-lsp.js (frame watch included), except that it names the worker bundled beside it (dist/server/worker/), since
 * the server's default looks for it relative to its own unbundled module.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { VoltServer, stdioFrameWatch } from '@volt/lsp-server';

// A stream that can no longer be read ends the server, so the client restarts it.
stdioFrameWatch(process.argv, process.env);
new VoltServer(createConnection(ProposedFeatures.all), {
  workerFile: new URL('../worker/backtest-worker.js', import.meta.url),
}).listen();
