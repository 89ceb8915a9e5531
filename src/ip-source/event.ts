/**
 * The `event` source: the interfaces named by the event files this run claimed, and
 * their addresses.
 *
 * An event is a wake-up, not the truth (ddns(8), NETWORK EVENTS). What a daemon copied
 * into its dispatcher environment can be stale (NetworkManager's `reapply` carries the
 * addresses from before the change) or partial (`dhcp4-change` without IP4_ADDRESS_N,
 * `up` before SLAAC has finished), and by the time this run reads it the kernel may
 * have moved on. So, per event and family:
 * - NetworkManager and networkd events name an interface: its addresses are read from
 *   the kernel now (interface.ts readKernel: netlink and /proc/net/if_inet6, no
 *   network). What the hook carried is used only when the kernel cannot be read; the
 *   hooks carry only what their daemon reports right for that action.
 * - Any event without an address of the family (a follow-up, a `manual` event that
 *   names only an interface) is read the same way: a missing family never means
 *   "this family is gone".
 * - An event naming no interface (connectivity-change, the address watch's
 *   `SOURCE=watch`) reads the configured interfaces, or every interface.
 * - A `manual` event that carries addresses of the family is taken as written.
 *
 * Per interface (IFACE, else the file name) the event with the newest TIME wins
 * (an event without TIME is older than any with one; among equals the later file
 * wins). With `interfaces` set, only those interfaces count, in that order. Push
 * events (a router reporting its WAN address for one name) are not read here: the
 * engine applies each to the record it names (engine/pushes.ts).
 */
import type { FamilyConfig } from "../config/types.js";
import type { Detection, EventRecord, Family, IpSource } from "./types.js";
import { readKernel, type InterfaceSourceDeps } from "./interface.js";
import { screen } from "./sanity.js";

/** Sources whose events are wake-ups: the kernel is read for the interface they name (or the configured ones, or all). */
const DAEMONS: ReadonlySet<EventRecord["source"]> = new Set<EventRecord["source"]>(["networkmanager", "networkd", "watch"]);

export function createEventSource(cfg: FamilyConfig, events: readonly EventRecord[], deps: InterfaceSourceDeps): IpSource {
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
        // An event naming no interface (connectivity-change) concerns the configured ones.
        for (const e of newest.values()) if (e.iface === undefined && e[family].length === 0 && !chosen.includes(e)) chosen.push(e);
      } else {
        // Most recent first: the freshest news is the likeliest to be right.
        chosen = [...newest.values()].sort((a, b) => (b.time ?? -1) - (a.time ?? -1));
      }
      if (chosen.length === 0) {
        return { kind: "unavailable", source: "event", reason: events.length === 0 ? "no event this run" : "no event for the configured interfaces" };
      }
      const candidates: string[] = [];
      const notes: string[] = [];
      for (const e of chosen) {
        const carried = e[family];
        const wakeUp = DAEMONS.has(e.source) || carried.length === 0;
        let got = carried;
        if (wakeUp) {
          const where = e.iface !== undefined ? [e.iface] : cfg.interfaces;
          const r = await readKernel(family, where, cfg.prefer, deps);
          if (r.kind === "read") got = r.addresses;
          else notes.push(`${e.iface ?? e.file}: ${r.reason}`);
        }
        for (const a of got) if (!candidates.includes(a)) candidates.push(a);
      }
      const { accepted, refused } = screen(candidates, family, { acceptPrivate: cfg.acceptPrivate, check: true });
      if (accepted.length > 0) return { kind: "found", source: "event", addresses: accepted };
      const fam = family === "ipv4" ? "IPv4" : "IPv6";
      const names = chosen.map((e) => e.iface ?? "every interface").join(", ");
      const why = refused.length > 0 ? `refused ${refused.join(", ")}` : `no global ${fam} address on ${names} (the interfaces this run's events name)`;
      return { kind: "unavailable", source: "event", reason: notes.length > 0 ? `${why}; ${notes.join("; ")}` : why };
    },
  };
}
