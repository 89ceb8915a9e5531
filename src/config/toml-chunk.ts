// The TOML parser as a bundle of its own (dist/ddns-toml.cjs, scripts/build.mjs):
// the reconciler's bundle loads it only when it parses a config (config/toml-lazy.ts),
// so the runs that take the parsed document from /run/ddns/config-doc.json (nearly
// all of them) neither deserialise nor map its ~65 KB of compiled code.
import toml from "toml";

export const parse: (text: string) => unknown = toml.parse;
