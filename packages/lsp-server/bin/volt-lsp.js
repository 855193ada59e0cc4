#!/usr/bin/env node
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { VoltServer } from '../dist/server.js';
import { stdioFrameWatch } from '../dist/framing.js';
stdioFrameWatch(process.argv, process.env);
new VoltServer(createConnection(ProposedFeatures.all)).listen();
