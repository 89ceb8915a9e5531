import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { runBundle } from "./start/launch.js";
import { BUILD_ID } from "./version.js";

/**
 * Runs a CommonJS bundle of this build through V8's code cache (`<file>.cache`, made at
 * build time) and returns its exports: what the launcher (start/launch.ts, the same
 * code) does for the program itself, for a part the reconciler loads only when needed
 * (config/toml-lazy.ts). The bundle must carry this build's id in its first line
 * ("/*ddns-build:<id>*\/"), and the cache the same id in its header: a stale or
 * missing cache costs speed (V8 compiles as it runs), never correctness. The build
 * trains the cache (scripts/build.mjs).
 */
export function runCached(file: string, buildId: string): unknown {
  const source = readFileSync(file, "utf8");
  if (!source.startsWith(`/*ddns-build:${buildId}*/`)) throw new Error(`${file} is not from this build of ddns (${buildId}): reinstall ddns`);
  return runBundle(file, source, buildId);
}

/**
 * A part of this build beside the reconciler's bundle (`name`: "ddns-toml.cjs",
 * "ddns-provider-<type>.cjs"), run through its code cache. In the bundle
 * import.meta.url is the bundle's path (scripts/build.mjs).
 */
export function runPart(name: string): unknown {
  return runCached(`${dirname(import.meta.url)}/${name}`, BUILD_ID);
}
