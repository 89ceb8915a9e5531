import type { ProviderSpec } from "./types.js";
import { cloudflareSpec } from "./cloudflare-spec.js";
import { namecheapSpec } from "./namecheap-spec.js";
import { hetznerSpec } from "./hetzner-spec.js";
import { godaddySpec } from "./godaddy-spec.js";
import { gandiSpec } from "./gandi-spec.js";
import { porkbunSpec } from "./porkbun-spec.js";
import { cloudnsSpec } from "./cloudns-spec.js";
import { namecomSpec } from "./namecom-spec.js";
import { vultrSpec } from "./vultr-spec.js";
import { linodeSpec } from "./linode-spec.js";
import { digitaloceanSpec } from "./digitalocean-spec.js";
import { freednsSpec } from "./freedns-spec.js";
import { dyndns2Specs } from "./dyndns2-spec.js";
import { duckdnsSpec } from "./duckdns-spec.js";
import { rfc2136Spec } from "./rfc2136-spec.js";
import { powerdnsSpec } from "./powerdns-spec.js";
import { route53Spec } from "./route53-spec.js";
import { desecSpec } from "./desec-spec.js";

/**
 * Every provider type ddns knows. Specs are small and loaded on every run (config
 * validation needs their keys); implementations load lazily through `spec.load()`.
 * Add a provider: write `<type>-spec.ts` and `<type>.ts`, list the spec here.
 */
const SPECS: readonly ProviderSpec[] = [
  cloudflareSpec,
  ...dyndns2Specs,
  duckdnsSpec,
  rfc2136Spec,
  powerdnsSpec,
  freednsSpec,
  digitaloceanSpec,
  route53Spec,
  linodeSpec,
  vultrSpec,
  namecomSpec,
  desecSpec,
  cloudnsSpec,
  porkbunSpec,
  gandiSpec,
  godaddySpec,
  hetznerSpec,
  namecheapSpec,
];

const byType = new Map<string, ProviderSpec>(SPECS.map((s) => [s.type, s]));

export function providerSpec(type: string): ProviderSpec | undefined {
  return byType.get(type);
}

export function providerSpecs(): readonly ProviderSpec[] {
  return SPECS;
}

/** Keys every provider table takes besides its own. */
export const COMMON_PROVIDER_KEYS = ["type", "endpoint", "refresh_days"] as const;
