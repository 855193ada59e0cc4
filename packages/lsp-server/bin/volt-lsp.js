#!/usr/bin/env node
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { VoltServer } from '../dist/server.js';
new VoltServer(createConnection(ProposedFeatures.all)).listen();
