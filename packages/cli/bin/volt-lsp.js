#!/usr/bin/env node
// The sidecar, installed with the CLI so that one `npm install -g @volt/cli` gives editors their
// `volt-lsp` (see packages/cli/README.md).
import { main } from '@volt/lsp-server/main';
main(process.argv.slice(2));
