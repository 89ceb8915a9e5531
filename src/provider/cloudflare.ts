import type { DnsProvider, ProviderDeps, ProviderSettings } from "./types.js";
import { DdnsError } from "../errors.js";

// Placeholder until the Cloudflare implementation lands (issue 2).
export function createCloudflare(_settings: ProviderSettings, _deps: ProviderDeps): DnsProvider {
  throw new DdnsError("INTERNAL", "the cloudflare provider is not implemented yet");
}
