import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { Script } from "node:vm";

/**
 * Runs a CommonJS bundle of this build through V8's code cache (`<file>.cache`, made at
 * build time) and returns its exports; what bin/launch.cjs does for the program itself,
 * for a part the reconciler loads only when needed (config/toml-lazy.ts).
 * The bundle must carry this build's id in its first line ("/*ddns-build:<id>*\/"), and
 * the cache the same id in its header: a stale or missing cache costs speed (V8
 * compiles as it runs), never correctness. A training run (DDNS_WRITE_CODE_CACHE set,
 * scripts/build.mjs) writes the cache at exit, naming the script where it will be
 * installed (DDNS_CODE_CACHE_NAME's directory), as the launcher does.
 */
export function runCached(file: string, buildId: string): unknown {
  const source = readFileSync(file, "utf8");
  if (!source.startsWith(`/*ddns-build:${buildId}*/`)) throw new Error(`${file} is not from this build of ddns (${buildId}): reinstall ddns`);
  const header = `ddns-build:${buildId}\n`;
  let cachedData: Buffer | undefined;
  try {
    const raw = readFileSync(`${file}.cache`);
    if (startsWithAscii(raw, header)) cachedData = raw.subarray(header.length);
  } catch {
    // no cache: V8 compiles what runs
  }
  const training = process.env["DDNS_WRITE_CODE_CACHE"];
  const installedAs = process.env["DDNS_CODE_CACHE_NAME"];
  const filename = training && installedAs ? `${dirname(installedAs)}/${basename(file)}` : file;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, { filename, ...(cachedData ? { cachedData } : {}) });
  if (training) {
    process.on("exit", () => writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(header, "latin1"), script.createCachedData()])));
  }
  // A part needs only Node's builtins (esbuild bundled the rest into it). The bundle's
  // own require where there is one (CommonJS); the sources, which the tests run as ESM,
  // have none.
  const req = typeof require === "function" ? require : (((id: string) => process.getBuiltinModule(id)) as unknown as NodeJS.Require);
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void)(module.exports, req, module, file, dirname(file));
  return module.exports;
}

/** Byte comparison: Buffer#toString would make Node compile its encoding table for this. */
function startsWithAscii(buf: Buffer, text: string): boolean {
  if (buf.length <= text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[i] !== text.charCodeAt(i)) return false;
  return true;
}
