/**
 * What `import toml from "toml"` means inside the reconciler's bundle (scripts/build.mjs
 * maps it here for dist/ddns.cjs only): the parser is loaded from its own bundle,
 * dist/ddns-toml.cjs, when a config is first parsed, through V8's code cache made for
 * it at build time (code-cache.ts). A run whose config document comes from the
 * parsed-config cache (config/doc-cache.ts) never loads it: the parser's compiled code
 * was 65 KB of the reconciler's 396 KB code cache, 1.4 M instructions of every such
 * run to deserialise (PERFORMANCE.md). Tests run the sources, where "toml" is toml.
 */
import { dirname } from "node:path";
import { runCached } from "../code-cache.js";
import { BUILD_ID } from "../version.js";

let parser: ((text: string) => unknown) | undefined;

function load(): (text: string) => unknown {
  // In the bundle import.meta.url is the bundle's path (scripts/build.mjs).
  const exports = runCached(`${dirname(import.meta.url)}/ddns-toml.cjs`, BUILD_ID) as { parse: (text: string) => unknown };
  return exports.parse;
}

export default {
  parse(text: string): unknown {
    parser ??= load();
    return parser(text);
  },
};
