/**
 * What strategy code finds in the sandbox process beyond plain JavaScript: built-ins that only
 * compute, and nothing that acts. The process already runs under Node's permission model (it may
 * read only its own host file; no child processes, workers, native addons or inspector), so these
 * guards are the second wall and, above all, the one that says what happened: every refusal is a
 * VoltError naming what the strategy tried, thrown at its line, and kept, so a strategy that
 * catches it still fails its run.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { VoltError } from '../errors.js';

/** Built-ins a strategy may import: each one only computes. */
const COMPUTE_ONLY = new Set([
  'assert', 'assert/strict', 'buffer', 'crypto', 'events', 'path', 'path/posix', 'path/win32', 'perf_hooks',
  'punycode', 'querystring', 'stream', 'stream/web', 'string_decoder', 'timers', 'url', 'util', 'util/types', 'zlib',
]);

const FILES = new Set(['fs', 'fs/promises']);
const PROCESSES = new Set(['child_process', 'cluster', 'worker_threads']);
const NETWORK = new Set(['net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'dns/promises', 'inspector', 'inspector/promises']);

export const SANDBOX_HINT =
  'a strategy may compute, not act: it gets its data through --data and its settings through params, and ' +
  'may not read or write files, start processes or use the network (README: "What a strategy may do")';

export interface Guard {
  /** What `require(id)` of a built-in gives strategy code. */
  requireBuiltin(id: string): unknown;
  /** Every refusal so far, in order; the run fails on the first even if the strategy caught it. */
  readonly violations: VoltError[];
  /** Clears every timer strategy code set (the end of a pass or of the run). */
  clearTimers(): void;
}

function refusal(what: string, how: string): VoltError {
  return new VoltError({ kind: 'strategy', message: `strategies may not ${what}: ${how} was refused by the sandbox`, hint: SANDBOX_HINT });
}

/**
 * Locks this process down for strategy code. Call once, after the host has taken what it needs
 * (its channel, its way to exit) and before any strategy code is evaluated.
 */
export function lockDown(): Guard {
  const violations: VoltError[] = [];
  const refuse = (what: string, how: string): never => {
    const e = refusal(what, how);
    violations.push(e);
    throw e;
  };

  const timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();
  const { setTimeout: st, setInterval: si, setImmediate: sim, clearTimeout: ct, clearInterval: ci, clearImmediate: cim } = globalThis;
  const sandboxTimers = {
    setTimeout: (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const t = st(fn, ms, ...args);
      timers.add(t);
      return t;
    },
    setInterval: (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const t = si(fn, ms, ...args);
      timers.add(t);
      return t;
    },
    setImmediate: (fn: (...a: unknown[]) => void, ...args: unknown[]) => {
      const t = sim(fn, ...args);
      timers.add(t);
      return t;
    },
    clearTimeout: (t: NodeJS.Timeout) => ct(t),
    clearInterval: (t: NodeJS.Timeout) => ci(t),
    clearImmediate: (t: NodeJS.Immediate) => cim(t),
  };
  Object.assign(globalThis, sandboxTimers);

  // Taken before process.getBuiltinModule is replaced below.
  // (Node 20.16 and later; Volt needs 20.19.)
  const builtin: (id: string) => unknown = process.getBuiltinModule.bind(process);
  const requireBuiltin = (raw: string): unknown => {
    const id = raw.startsWith('node:') ? raw.slice(5) : raw;
    if (id === 'timers') return { ...sandboxTimers };
    if (COMPUTE_ONLY.has(id)) return builtin(`node:${id}`);
    if (FILES.has(id)) return refuse('read or write files', `require('${raw}')`);
    if (PROCESSES.has(id)) return refuse('start processes', `require('${raw}')`);
    if (NETWORK.has(id)) return refuse('use the network', `require('${raw}')`);
    return refuse(`use node:${id}`, `require('${raw}')`);
  };

  const lock = (target: object, name: string, value: unknown) => {
    Object.defineProperty(target, name, { value, writable: false, configurable: false, enumerable: false });
  };
  const acts: [string, string][] = [
    ['exit', 'end the process'], ['reallyExit', 'end the process'], ['abort', 'end the process'],
    ['kill', 'signal processes'], ['dlopen', 'load native code'], ['binding', 'reach Node internals'],
    ['_linkedBinding', 'reach Node internals'], ['chdir', 'change the working folder'],
    ['setuid', 'change the user'], ['setgid', 'change the user'], ['seteuid', 'change the user'],
    ['setegid', 'change the user'], ['setgroups', 'change the user'], ['initgroups', 'change the user'],
    ['send', 'talk to other processes'], ['disconnect', 'talk to other processes'],
  ];
  for (const [name, what] of acts) {
    if (name in process) lock(process, name, () => refuse(what, `process.${name}()`));
  }
  lock(process, 'getBuiltinModule', (id: string) => requireBuiltin(id));

  const offline = (how: string) => () => refuse('use the network', how);
  for (const name of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest']) {
    if (name in globalThis || name === 'fetch') lock(globalThis, name, offline(`${name}()`));
  }
  // The second wall for the network, whatever route strategy code found to these modules.
  lock(net.Socket.prototype, 'connect', offline('a socket connect'));
  lock(net.Server.prototype, 'listen', offline('a server listen'));
  lock(dgram.Socket.prototype, 'bind', offline('a UDP socket'));
  lock(dgram.Socket.prototype, 'send', offline('a UDP socket'));
  for (const name of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'reverse']) {
    lock(dns, name, offline(`dns.${name}()`));
    lock(dns.promises, name, offline(`dns.promises.${name}()`));
  }

  return {
    requireBuiltin,
    violations,
    clearTimers() {
      for (const t of timers) {
        ct(t as NodeJS.Timeout);
        cim(t as NodeJS.Immediate);
      }
      timers.clear();
    },
  };
}
