import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function rfc2136Spec(): ProviderSpec {
  return {
    type: "rfc2136",
    summary: "DNS UPDATE (RFC 2136) signed with TSIG, to BIND, Knot, PowerDNS or any primary server",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate RRsets: every due family of the entry goes in one signed UPDATE; a family not due is not touched",
    records:
      "the name's A/AAAA RRset is replaced as a whole (delete and add in one UPDATE): give ddns a name of its own; a CNAME at the name is refused, naming it, when the record has no ttl (the TTL query sees it)",
    ttl: {
      min: 0,
      max: 86400,
      unset:
        "an existing RRset keeps its TTL (ddns asks the primary for it with a signed query, then replaces the RRset with that TTL); a new RRset gets 300",
      note: "an UPDATE that adds RRs must carry a TTL and the RRset takes it (RFC 2181 section 5.2), hence the query first; a server that refuses the query is a permanent failure unless ttl is set",
      source: "RFC 2136 section 2.5.1 (Add To An RRset): the TTL travels with every added RR; RFC 2181 section 8: 0..2147483647",
    },
    // Not HTTP: the server is the `server` key; `endpoint` is not used by this type.
    defaultEndpoint: "",
    keys: [
      { name: "server", kind: "string", required: true, doc: "primary server as an IP literal, optional port: 192.0.2.1, 192.0.2.1:5353, [2001:db8::1]:53" },
      { name: "zone", kind: "string", required: true, doc: "the zone the records belong to, e.g. example.net" },
      { name: "key_name", kind: "string", required: true, doc: "TSIG key name, as in the server's key statement" },
      { name: "key_secret", kind: "secret", required: true, doc: "TSIG secret, base64 (the key file's secret string)" },
      {
        name: "key_algorithm",
        kind: "string",
        default: "hmac-sha256",
        doc: "hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1 or hmac-md5",
      },
      { name: "tcp", kind: "boolean", default: false, doc: "always use TCP (default: UDP, TCP when the answer is truncated)" },
    ],
  };
}
