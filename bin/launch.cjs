// Starts a ddns bundle with V8's code cache. A short-lived process spends most of
// its own time compiling its JavaScript; the cache (made at build time by a no-op
// training run, scripts/build.mjs) holds the bytecode of everything a no-op run
// executes, so a run skips that work (PERFORMANCE.md has the measurement).
// The cache is used only if it was made from this very bundle: both carry the same
// build id. A missing, stale or rejected cache costs speed, never correctness.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
// The CommonJS loader's own class: require("node:module") would compile the public
// module builtin (about 1 ms) for the same object.
const Module = module.constructor;

module.exports = function launch(bundle) {
  const source = fs.readFileSync(bundle, "utf8");
  // First line of every bundle: "/*ddns-build:<id>*/"
  const id = /^\/\*ddns-build:([0-9a-f]+)\*\//.exec(source)?.[1];
  let cachedData;
  try {
    const raw = fs.readFileSync(`${bundle}.cache`);
    const header = `ddns-build:${id}\n`;
    if (id && raw.subarray(0, header.length).toString("latin1") === header) cachedData = raw.subarray(header.length);
  } catch {
    // no cache: compile as usual
  }
  const training = process.env.DDNS_WRITE_CODE_CACHE;
  // A training run (scripts/build.mjs) names the script where the bundle will be
  // installed: V8 keeps the name in the cache, and runs from the cache report it.
  const filename = (training && process.env.DDNS_CODE_CACHE_NAME) || bundle;
  const script = new vm.Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
  if (training && id) {
    process.on("exit", () => fs.writeFileSync(training, Buffer.concat([Buffer.from(`ddns-build:${id}\n`, "latin1"), script.createCachedData()])));
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
};

// `node launch.cjs BUNDLE [ARGS...]`, for a unit's ExecStart (ddns-push@.service):
// the bundle then sees process.argv as if it had been started itself.
if (require.main === module) {
  const bundle = require("node:path").resolve(process.argv[2] ?? "");
  process.argv.splice(1, 2, bundle);
  module.exports(bundle);
}
