import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function powerdnsSpec(): ProviderSpec {
  return {
    type: "powerdns",
    summary: "PowerDNS Authoritative HTTP API (X-API-Key), for your own pdns_server",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 0,
      max: 86400,
      unset: "existing RRsets' TTL is read and written back; new RRsets get 300",
      source: "doc.powerdns.com/authoritative/http-api/zone.html (RRSet): ttl in seconds, required with REPLACE; no range beyond the DNS 32-bit field",
    },
    // pdns_server's own default webserver address and port; set endpoint for any other.
    defaultEndpoint: "http://127.0.0.1:8081/api/v1",
    keys: [
      { name: "api_key", kind: "secret", required: true, doc: "the server's api-key" },
      { name: "server_id", kind: "string", default: "localhost", doc: "server id in the API path (always localhost for pdns_server)" },
      { name: "zone", kind: "string", doc: "zone name; found by asking the API for the record name's suffixes when absent" },
    ],
  };
}
