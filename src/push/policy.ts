import { isIPv4, isIPv6 } from "node:net";
import type { PushConfig } from "../config/types.js";
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
 * push, nothing written) or `good ADDR` (an event file will be written).
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
      const addr = canonicalAddress(raw);
      if (addr === undefined) {
        notes.push(`push from ${input.from}: ignored ${printable(raw)}: not an IP address`);
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
  for (const raw of request.hostnames) {
    const name = normalName(raw);
    if (!isDomainName(name)) {
      lines.push("notfqdn");
    } else if (!allowed.has(name)) {
      lines.push("nohost");
      notes.push(`push from ${input.from}: ${name} is not in [push] names, refused`);
    } else if (shown === "") {
      lines.push("badip");
    } else if (writes.some((w) => w.name === name) || unchanged(input.last(name), ipv4, ipv6)) {
      lines.push(`nochg ${shown}`);
    } else {
      lines.push(`good ${shown}`);
      writes.push({ name, ipv4, ipv6, time: input.now, from: input.from });
    }
  }
  return answer(200, lines, { notes, writes });
}

function answer(status: number, lines: string[], extra: Partial<Decision>): Decision {
  return { status, lines, writes: [], authFailed: false, challenge: false, notes: [], ...extra };
}

/** Same as the last push for every family this push carries. */
function unchanged(last: PushRecord | undefined, ipv4: string[], ipv6: string[]): boolean {
  if (last === undefined) return false;
  const eq = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
  return (ipv4.length === 0 || eq(ipv4, last.ipv4)) && (ipv6.length === 0 || eq(ipv6, last.ipv6));
}

export function normalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

/** A fully qualified host name: two or more LDH labels (RFC 1123), at most 253 characters. */
export function isDomainName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && !/^\d+$/.test(labels.at(-1) ?? "");
}

/** The canonical text of an IP address (RFC 5952 for IPv6), or undefined when it is none. */
export function canonicalAddress(raw: string): string | undefined {
  if (isIPv4(raw)) return raw;
  if (!isIPv6(raw) || raw.includes("%")) return undefined;
  return new URL(`http://[${raw}]/`).hostname.slice(1, -1);
}

/** Quotes sender-supplied text for the journal: bounded and without control characters. */
function printable(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}
