import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function duckdnsSpec(): ProviderSpec {
  return {
    type: "duckdns",
    summary: "Duck DNS (https://www.duckdns.org/spec.jsp, account token)",
    families: ["ipv4", "ipv6"],
    dualStack: "both families of a name in one request (ip=<v4>&ipv6=<v6>); a family not sent is kept, and sending ipv6= turns off Duck DNS's IPv4 autodetection (spec.jsp: \"if you specify this then the autodetection for ip is not used\")",
    ttl: {
      fixed: "DuckDNS sets its own TTL (60 s); its update URL takes none",
      unset: "DuckDNS's own (60 s)",
      source: "duckdns.org/spec.jsp: the update URL takes domains, token, ip, ipv6, verbose and clear, no TTL",
    },
    defaultEndpoint: "https://www.duckdns.org",
    keys: [{ name: "token", kind: "secret", required: true, doc: "the account token shown on duckdns.org" }],
  };
}
