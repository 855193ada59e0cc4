'use strict';
// Starts the sandbox host (host.cjs, beside this file) from V8's code cache of it, made by
// scripts/build-host.mjs under the flags the runner starts sandboxes with: the host's ~1 MB is then
// not compiled again at every start (BENCHMARKS.md, "Candles from the binary cache"). The cache
// file begins with the build id of the host it was made from (the host's first line, a random id
// put there by the build; V8 itself checks only the source's length): another host, or a cache V8
// refuses (another Node, other flags), costs only the compile. Runs before the host's lock-down, with the
// same permissions (it may read the host and the cache, nothing else).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const hostFile = path.join(__dirname, 'host.cjs');
const CACHE_FLAG = '--code-cache=';
const MAKE_FLAG = '--make-code-cache=';
const given = process.argv.find((a) => a.startsWith(CACHE_FLAG));
const making = process.argv.find((a) => a.startsWith(MAKE_FLAG));

const source = fs.readFileSync(hostFile, 'utf8');
const BUILD_ID = /^\/\/ volt-host-build ([0-9a-f]{32})\n/.exec(source)?.[1];
const ID_BYTES = 32;
let cachedData;
if (given && BUILD_ID) {
  try {
    const kept = fs.readFileSync(given.slice(CACHE_FLAG.length));
    if (kept.length > ID_BYTES && kept.toString('latin1', 0, ID_BYTES) === BUILD_ID) cachedData = kept.subarray(ID_BYTES);
  } catch {
    // No cache: compiled as without one.
  }
}
// CommonJS's own wrapper, so the host runs as `require` would run it. Named without its folder: the
// cache, shipped in the package, keeps the name and must not carry the build machine's paths.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: 'host.cjs',
  ...(cachedData ? { cachedData } : {}),
});
// Taken before the host's lock-down, which changes what strategy code sees of these.
const { writeFileSync } = fs;
const later = setTimeout;
const reallyExit = process.reallyExit.bind(process);
const hostModule = { exports: {} };
script.runInThisContext()(hostModule.exports, require, hostModule, hostFile, __dirname);

if (making) {
  // After the host's start (and its warm-up, when asked): what ran is in the cache compiled.
  later(() => {
    const head = Buffer.from(BUILD_ID ?? '', 'latin1');
    writeFileSync(making.slice(MAKE_FLAG.length), Buffer.concat([head, script.createCachedData()]));
    reallyExit(0);
  }, 100);
}
