/**
 * The `event` source: addresses carried by the event files this run claimed.
 *
 * Per interface (IFACE, else the file name) the event with the newest TIME wins
 * (an event without TIME is older than any with one; among equals the later file
 * wins). With `interfaces` set, only those interfaces count, in that order. Push
 * events (a router reporting its WAN address for one name) are not read here: the
 * engine applies each to the record it names (engine/pushes.ts).
 * An interface whose newest event carries no address of the family adds nothing.
 */
import type { FamilyConfig } from "../config/types.js";
import type { Detection, EventRecord, Family, IpSource } from "./types.js";
import { screen } from "./sanity.js";

export function createEventSource(cfg: FamilyConfig, events: readonly EventRecord[]): IpSource {
  return {
    name: "event",
    async detect(family: Family): Promise<Detection> {
      const newest = new Map<string, EventRecord>();
      for (const e of events) {
        // Pushes are applied per name (engine/pushes.ts); an announcement only wakes the run.
        if (e.source === "push" || e.source === "gateway") continue;
        const key = e.iface ?? e.file;
        const prev = newest.get(key);
        if (!prev || (e.time ?? -1) >= (prev.time ?? -1)) newest.set(key, e);
      }
      let chosen: EventRecord[];
      if (cfg.interfaces.length > 0) {
        chosen = [];
        for (const name of cfg.interfaces) {
          const e = newest.get(name);
          if (e) chosen.push(e);
        }
      } else {
        // Most recent first: the freshest news is the likeliest to be right.
        chosen = [...newest.values()].sort((a, b) => (b.time ?? -1) - (a.time ?? -1));
      }
      if (chosen.length === 0) {
        return { kind: "unavailable", source: "event", reason: events.length === 0 ? "no event this run" : "no event for the configured interfaces" };
      }
      const { accepted, refused } = screen(
        chosen.flatMap((e) => e[family]),
        family,
        { acceptPrivate: cfg.acceptPrivate, check: true },
      );
      if (accepted.length > 0) return { kind: "found", source: "event", addresses: accepted };
      const why = refused.length > 0 ? `refused ${refused.join(", ")}` : `no ${family === "ipv4" ? "IPv4" : "IPv6"} address in this run's events`;
      return { kind: "unavailable", source: "event", reason: why };
    },
  };
}
