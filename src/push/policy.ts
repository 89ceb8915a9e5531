import type { PushConfig } from "../config/types.js";
import { normalizeHostname } from "../config/values.js";
import { canonical, printable } from "../ip-source/sanity.js";
import { authenticate } from "./auth.js";
import {
  ADDRESS_LIMIT,
  HOSTNAME_LIMIT,
  type AddressCheck,
  type Decision,
  type PushRecord,
  type UpdateRequest,
} from "./types.js";

export interface PolicyInput {
  config: PushConfig;
  request: UpdateRequest;
  /** The sender ("local" for the Unix socket). */
  from: string;
  /** epoch seconds */
  now: number;
  /** The last accepted push for a configured name. */
  last: (name: string) => PushRecord | undefined;
  check: AddressCheck;
}

/**
 * Decides the answer to one update request; pure. Order, as dyndns2 servers do:
 * credentials first (one `badauth` for the whole request), then the hostname count
 * (`notfqdn` for none, `numhost` past the limit), then one line per hostname in
 * request order: `notfqdn` (not a domain name), `nohost` (not in `[push] names`),
 * `badip` (no usable address was sent), `nochg ADDR` (same as this name's last
 * push) or `good ADDR`. Both `good` and `nochg` write the name's event file: after
 * a run that failed (its event already drained), the router's repeat is what gets
 * the address published; when it already is, that run is a no-op without network.
 */
export function decide(input: PolicyInput): Decision {
  const { config, request } = input;
  const auth = authenticate(config, request.credentials);
  if (auth !== "ok") {
    const notes = auth === "failed" ? [`authentication failed from ${input.from}`] : [];
    return answer(401, ["badauth"], { authFailed: auth === "failed", challenge: true, notes });
  }
  if (request.hostnames.length === 0) return answer(200, ["notfqdn"], {});
  if (request.hostnames.length > HOSTNAME_LIMIT) return answer(200, ["numhost"], {});

  const notes: string[] = [];
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  if (request.addresses.length <= ADDRESS_LIMIT) {
    for (const raw of request.addresses) {
      const addr = canonical(raw);
      if (addr === null) {
        notes.push(`push from ${input.from}: ignored "${printable(raw)}": not an IP address`);
        continue;
      }
      const family = addr.includes(":") ? 6 : 4;
      const why = input.check(addr, family);
      if (why !== undefined) {
        notes.push(`push from ${input.from}: ignored ${addr}: ${why}`);
        continue;
      }
      const list = family === 4 ? ipv4 : ipv6;
      if (!list.includes(addr)) list.push(addr);
    }
  } else {
    notes.push(`push from ${input.from}: more than ${ADDRESS_LIMIT} addresses, none used`);
  }
  const shown = [...ipv4, ...ipv6].join(",");

  const allowed = new Set(config.names.map(normalName));
  const lines: string[] = [];
  const writes: PushRecord[] = [];
  const changed: string[] = [];
  for (const raw of request.hostnames) {
    const checked = normalizeHostname(raw, { wildcard: true, minLabels: 2 });
    const name = checked.ok ? checked.name : "";
    if (!checked.ok) {
      lines.push("notfqdn");
    } else if (!allowed.has(name)) {
      lines.push("nohost");
      notes.push(`push from ${input.from}: ${name} is not in [push] names, refused`);
    } else if (shown === "") {
      lines.push("badip");
    } else if (writes.some((w) => w.name === name)) {
      lines.push(`nochg ${shown}`);
    } else {
      const same = unchanged(input.last(name), ipv4, ipv6);
      lines.push(`${same ? "nochg" : "good"} ${shown}`);
      writes.push({ name, ipv4, ipv6, time: input.now, from: input.from });
      if (!same) changed.push(name);
    }
  }
  return answer(200, lines, { notes, writes, changed });
}

function answer(status: number, lines: string[], extra: Partial<Decision>): Decision {
  return { status, lines, writes: [], changed: [], authFailed: false, challenge: false, notes: [], ...extra };
}

/** Same as the last push for every family this push carries. */
function unchanged(last: PushRecord | undefined, ipv4: string[], ipv6: string[]): boolean {
  if (last === undefined) return false;
  const eq = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
  return (ipv4.length === 0 || eq(ipv4, last.ipv4)) && (ipv6.length === 0 || eq(ipv6, last.ipv6));
}

/** A configured or pushed name as compared: lower case, no trailing dot. */
export function normalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith(".") ? n.slice(0, -1) : n;
}
