/**
 * What `import toml from "toml"` means inside the reconciler's bundle (scripts/build.mjs
 * maps it here for dist/ddns.cjs only): the parser is loaded from its own bundle,
 * dist/ddns-toml.cjs, when a config is first parsed, through V8's code cache made for
 * it at build time (code-cache.ts runPart). A run whose config document comes from the
 * parsed-config cache (config/doc-cache.ts) never loads it: the parser's compiled code
 * was 65 KB of the reconciler's 396 KB code cache, 1.4 M instructions of every such
 * run to deserialise (PERFORMANCE.md). Tests run the sources, where "toml" is toml.
 */
import { runPart } from "../code-cache.js";

let parser: ((text: string) => unknown) | undefined;

function load(): (text: string) => unknown {
  return (runPart("ddns-toml.cjs") as { parse: (text: string) => unknown }).parse;
}

export default {
  parse(text: string): unknown {
    parser ??= load();
    return parser(text);
  },
};
