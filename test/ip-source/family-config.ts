import type { FamilyConfig } from "../../src/config/types.js";

/** A FamilyConfig with harmless defaults, for tests (the loader is elsewhere). */
export function familyConfig(over: Partial<FamilyConfig> = {}): FamilyConfig {
  return {
    enabled: true,
    sources: ["event", "interface"],
    interfaces: [],
    urls: [],
    addresses: [],
    command: [],
    dnsServers: [],
    dnsName: "",
    prefer: "stable",
    acceptPrivate: false,
    timeoutMs: 2000,
    ...over,
  };
}
