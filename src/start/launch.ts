// Starts a ddns bundle with V8's code cache. A short-lived process spends most of
// its own time compiling its JavaScript; the cache (made at build time by training
// runs, scripts/build.mjs) holds the bytecode of what those runs executed, so a run
// skips that work (PERFORMANCE.md, decision 4). The cache is used only if it was made
// from this very bundle: both carry the same build id. A missing, stale or rejected
// cache costs speed, never correctness.
//
// Built into two files from this one source (scripts/build.mjs): dist/ddns-start.cjs,
// the program behind bin/ddns and /usr/bin/ddns (src/start/ddns.ts: the idle-seal
// check, then this), and dist/launch.cjs (src/start/launch-program.ts: ddns-push@.service
// and bin/ddns-push). Every call below is one a run makes anyway or one it cannot do
// without: each Node function called for the first time in a process is compiled from
// source (Node's built-in code cache holds its modules' top levels only), so this
// avoids the CommonJS loader's helpers (createRequire, _nodeModulePaths, Module.wrap)
// and Buffer's string conversions (PERFORMANCE.md, "Where a full run's time goes").
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";

/** What Module.wrap makes of a CommonJS module's source (the cache is trained on the same text). */
const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) { ";
const WRAP_TAIL = "\n});";

/**
 * Runs the CommonJS bundle at the absolute path `bundle` as a program: its build id is
 * the one in its first line ("/*ddns-build:<id>*\/"), and its exports are dropped.
 */
export function launch(bundle: string): void {
  const source = readFileSync(bundle, "utf8");
  runBundle(bundle, source, /^\/\*ddns-build:([0-9a-f]+)\*\//.exec(source)?.[1]);
}

/**
 * Runs `source`, the CommonJS bundle at the absolute path `file`, as a module of its
 * own and returns its exports: from its code cache (`${file}.cache`) when that
 * belongs to build `id`, else compiled as it runs. The programs (`launch`) and the
 * parts the reconciler loads on demand (code-cache.ts: the TOML parser) go through
 * here. A bundle needs only Node's builtins (`require("node:…")`; its own files and
 * the native addons it loads through `createRequire(__filename)`), so it gets the
 * caller's `require` (Node's `getBuiltinModule` where the caller is an ES module: the
 * tests), and a plain `module` whose `exports` it may set.
 *
 * A training run (DDNS_WRITE_CODE_CACHE set, scripts/build.mjs) writes the cache of
 * every bundle it runs at exit (the reconciler's and the TOML parser's), naming each
 * script where it will be installed (the directory of DDNS_CODE_CACHE_NAME): V8 keeps
 * the name in the cache, and runs from the cache report it in stack traces.
 */
export function runBundle(file: string, source: string, id: string | undefined): unknown {
  const header = `ddns-build:${id}\n`;
  let cachedData: Uint8Array | undefined;
  let fd: number | undefined;
  try {
    // Read by descriptor, as the reconciler reads its parsed-config cache
    // (config/doc-cache.ts): the same fs functions, compiled once per run, where
    // readFileSync's Buffer path would compile four more of Node's.
    fd = openSync(`${file}.cache`, constants.O_RDONLY);
    const raw = Buffer.allocUnsafe(fstatSync(fd).size);
    let n = 0;
    while (n < raw.length) {
      const r = readSync(fd, raw, n, raw.length - n, null);
      if (r === 0) break;
      n += r;
    }
    // The header compared byte by byte: the file is "ddns-build:<id>\n" then V8's data.
    let same = id !== undefined && n > header.length;
    for (let i = 0; same && i < header.length; i++) same = raw[i] === header.charCodeAt(i);
    if (same) cachedData = new Uint8Array(raw.buffer, raw.byteOffset + header.length, n - header.length);
  } catch {
    // no cache: compile as usual
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const training = process.env["DDNS_WRITE_CODE_CACHE"];
  const dir = file.slice(0, file.lastIndexOf("/"));
  const installedAs = training ? process.env["DDNS_CODE_CACHE_NAME"] : undefined;
  // The file's name copied character by character: a slice of `file` of 13 characters
  // or more is a V8 sliced string that keeps all of `file`, the build tree's path,
  // and V8 then wrote that path into the cache (two build directories, two caches).
  const filename = installedAs ? installedAs.slice(0, installedAs.lastIndexOf("/")) + [...file.slice(dir.length)].join("") : file;
  const req = typeof require === "function" ? require : ((id: string) => process.getBuiltinModule(id)) as NodeJS.Require;
  // node:vm on demand: a sealed run (src/quick.ts) never gets here, and loading the
  // module costs its top level.
  const { Script } = req("node:vm") as typeof import("node:vm");
  // The build writes each bundle already wrapped ("/*ddns-build:<id>*/" + WRAP_HEAD ...
  // WRAP_TAIL, scripts/build.mjs): V8 then gets the string read, not a concatenated
  // copy of it. Any other text (a test's) is wrapped here.
  const text = source.startsWith(WRAP_HEAD, source.indexOf("*/") + 2) ? source : WRAP_HEAD + source + WRAP_TAIL;
  const script = new Script(text, cachedData ? { filename, cachedData } : { filename });
  if (training && id !== undefined) {
    process.on("exit", () => {
      writeFileSync(`${file}.cache`, header, "latin1");
      writeFileSync(`${file}.cache`, script.createCachedData(), { flag: "a" });
    });
  }
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void)(module.exports, req, module, file, dir);
  return module.exports;
}
