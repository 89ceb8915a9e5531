import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function desecSpec(): ProviderSpec {
  return {
    type: "desec",
    summary: "deSEC (desec.io REST API, token; dedyn.io names and your own domains)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 1,
      max: 86400,
      unset: "existing RRsets keep theirs; new RRsets get the domain's minimum_ttl",
      note: "the lower bound is the domain's minimum_ttl (3600 unless deSEC lowered it); a smaller ttl is refused by deSEC at run time with HTTP 400 naming ttl",
      source: "desec-stack docs/dns/rrsets.rst: the TTL must be at least the domain's minimum_ttl and at most 86400",
    },
    defaultEndpoint: "https://desec.io/api/v1",
    keys: [{ name: "token", kind: "secret", required: true, doc: "API token (Token management at desec.io)" }],
  };
}
