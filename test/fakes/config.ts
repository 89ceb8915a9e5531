import type { Config, FamilyConfig, ProviderEntry, RecordConfig } from "../../src/config/types.js";
import type { Family } from "../../src/ip-source/types.js";

/** A validated Config built directly (no TOML), for engine tests. */
export function family(overrides: Partial<FamilyConfig> = {}): FamilyConfig {
  return {
    enabled: true,
    sources: ["static"],
    interfaces: [],
    urls: [],
    addresses: [],
    command: [],
    dnsServers: [],
    dnsName: "myip.opendns.com",
    prefer: "stable",
    acceptPrivate: false,
    timeoutMs: 5000,
    gatewayProtocols: ["natpmp", "pcp", "upnp"],
    ...overrides,
  };
}

export function providerEntry(name: string, overrides: Partial<ProviderEntry> = {}): ProviderEntry {
  return {
    name,
    type: "dyndns2",
    values: { type: "dyndns2" },
    secretKeys: [],
    line: 1,
    refreshDays: 0,
    fingerprint: `fp-${name}`,
    ...overrides,
  };
}

export function config(records: Array<Partial<RecordConfig> & { name: string }>, providers: ProviderEntry[] = [providerEntry("p")]): Config {
  const fams: Record<Family, FamilyConfig> = { ipv4: family(), ipv6: family({ enabled: false }) };
  return {
    file: "/etc/ddns/ddns.toml",
    families: fams,
    providers: new Map(providers.map((p) => [p.name, p])),
    records: records.map((r, i) => ({ provider: "p", families: ["ipv4"], line: 10 + i, verify: "auto", verifyIntervalS: 86_400, ...r })),
    verifyResolvers: [],
  };
}
