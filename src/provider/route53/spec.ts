import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function route53Spec(): ProviderSpec {
  return {
    type: "route53",
    summary: "Amazon Route 53 (ChangeResourceRecordSets UPSERT, AWS Signature V4)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 0,
      max: 86400,
      unset: "existing record sets' TTL is read and written back; new sets get 300",
      source: "docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html: TTL 0..2147483647",
    },
    defaultEndpoint: "https://route53.amazonaws.com",
    keys: [
      { name: "access_key_id", kind: "string", required: true, doc: "IAM access key id (AKIA...) allowed route53:ChangeResourceRecordSets on the zone" },
      { name: "secret_access_key", kind: "secret", required: true, doc: "the access key's secret" },
      { name: "session_token", kind: "secret", doc: "for temporary (STS) credentials only" },
      { name: "hosted_zone_id", kind: "string", doc: "the hosted zone's id, e.g. Z0123456789ABCDEFGHIJ; found by name (and kept in state) when absent" },
      { name: "region", kind: "string", default: "us-east-1", doc: "signing region; Route 53 is global and signs with us-east-1" },
    ],
  };
}
