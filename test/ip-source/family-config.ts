import type { FamilyConfig } from "../../src/config/types.js";
import { defaultFamily } from "../../src/config/family.js";

/** The loader's defaults with a short timeout, plus the test's overrides. */
export function familyConfig(over: Partial<FamilyConfig> = {}): FamilyConfig {
  return { ...defaultFamily("ipv4"), timeoutMs: 2000, ...over };
}
