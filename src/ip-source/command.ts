import type { FamilyConfig } from "../config/types.js";
import type { Detection, IpSource } from "./types.js";

export function createCommandSource(_cfg: FamilyConfig): IpSource {
  return { name: "command", detect: async (): Promise<Detection> => ({ kind: "unavailable", source: "command", reason: "not implemented yet" }) };
}
