import type { FamilyConfig } from "../config/types.js";
import type { HttpClient } from "../net/types.js";
import type { Detection, IpSource } from "./types.js";

export function createHttpSource(_cfg: FamilyConfig, _getHttp: () => Promise<HttpClient>): IpSource {
  return { name: "http", detect: async (): Promise<Detection> => ({ kind: "unavailable", source: "http", reason: "not implemented yet" }) };
}
