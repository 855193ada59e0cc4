/**
 * The sidecar as the extension ships it: packages/lsp-server's VoltServer on stdio, bundled by
 * esbuild.config.mjs into dist/server/bin/volt-lsp.js. Same wiring as lsp-server's own
 * bin/volt-lsp.js (frame watch included), except that it names the analysis worker and the
 * engine's sandbox host bundled beside it (dist/server/worker/, dist/server/runner/), since the
 * defaults look for them relative to the unbundled modules.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { VoltServer, stdioFrameWatch } from '@volt/lsp-server';

// A stream that can no longer be read ends the server, so the client restarts it.
stdioFrameWatch(process.argv, process.env);
new VoltServer(createConnection(ProposedFeatures.all), {
  analysisWorkerFile: new URL('../worker/analysis-worker.js', import.meta.url),
  sandboxHostFile: new URL('../runner/host.cjs', import.meta.url),
}).listen();
