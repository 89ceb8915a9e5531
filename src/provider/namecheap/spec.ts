import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function namecheapSpec(): ProviderSpec {
  return {
    type: "namecheap",
    summary: "Namecheap dynamic DNS (per-domain Dynamic DNS password; A records only)",
    families: ["ipv4"],
    dualStack: "IPv4 only: Namecheap's dynamic DNS update sets A records; AAAA records are not touched",
    ttl: {
      fixed: "Namecheap's dynamic DNS update takes no TTL (set it in Namecheap's Advanced DNS page)",
      unset: "the record's TTL as set at Namecheap",
      source: "namecheap.com knowledgebase article 29: the update URL takes host, domain, password and ip, no TTL",
    },
    defaultEndpoint: "https://dynamicdns.park-your-domain.com",
    keys: [
      { name: "domain", kind: "string", required: true, doc: "the domain the password belongs to, e.g. example.org" },
      { name: "password", kind: "secret", required: true, doc: "the domain's Dynamic DNS password (Advanced DNS page), not the account password" },
    ],
  };
}
