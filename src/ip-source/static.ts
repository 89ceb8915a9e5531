/** The `static` source: the configured addresses, taken as given (no sanity check). */
import type { FamilyConfig } from "../config/types.js";
import type { Detection, Family, IpSource } from "./types.js";
import { screen } from "./sanity.js";

export function createStaticSource(cfg: FamilyConfig): IpSource {
  return {
    name: "static",
    async detect(family: Family): Promise<Detection> {
      const { accepted, refused } = screen(cfg.addresses, family, { acceptPrivate: true, check: false });
      if (accepted.length > 0) return { kind: "found", source: "static", addresses: accepted };
      const why = refused.length > 0 ? `: ${refused.join(", ")}` : "";
      return { kind: "unavailable", source: "static", reason: `no address configured${why}` };
    },
  };
}
