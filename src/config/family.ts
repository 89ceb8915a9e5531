import type { Family, GatewayProtocol, SourceName } from "../ip-source/types.js";
import { GATEWAY_PROTOCOLS, SOURCE_NAMES } from "../ip-source/types.js";
import type { KeyPath } from "./line-index.js";
import type { FamilyConfig } from "./types.js";
import type { Problems } from "./problems.js";
import { checkKeys, readBool, readNumber, readString, readStringList, readTable } from "./problems.js";
import { didYouMean } from "./suggest.js";
import { canonicalIp, checkUrl, isInterfaceName, normalizeHostname } from "./values.js";

/** OpenDNS resolvers that answer myip.opendns.com with the asker's address. */
const DEFAULT_DNS_SERVERS: Record<Family, string[]> = {
  ipv4: ["208.67.222.222", "208.67.220.220"],
  ipv6: ["2620:119:35::35", "2620:119:53::53"],
};

const COMMON_KEYS = [
  "enabled",
  "sources",
  "interfaces",
  "urls",
  "address",
  "command",
  "dns_servers",
  "dns_name",
  "accept_private",
  "timeout",
] as const;
const KEYS: Record<Family, readonly string[]> = { ipv4: [...COMMON_KEYS, "gateway_protocols"], ipv6: [...COMMON_KEYS, "prefer"] };

export function defaultFamily(family: Family): FamilyConfig {
  return {
    enabled: true,
    sources: ["event", "interface"],
    interfaces: [],
    urls: [],
    addresses: [],
    command: [],
    dnsServers: [...DEFAULT_DNS_SERVERS[family]],
    dnsName: "myip.opendns.com",
    prefer: "stable",
    acceptPrivate: false,
    timeoutMs: 5000,
    gatewayProtocols: [...GATEWAY_PROTOCOLS],
  };
}

/** Validates `[ipv4]` / `[ipv6]` (absent: the defaults). */
export function readFamily(p: Problems, family: Family, raw: unknown): FamilyConfig {
  const out = defaultFamily(family);
  if (raw === undefined) return out;
  const path: KeyPath = [family];
  const t = readTable(p, path, raw);
  if (t === undefined) return out;
  if (family === "ipv4" && "prefer" in t) {
    p.add([family, "prefer"], `only [ipv6] takes "prefer" (IPv4 has no temporary addresses)`);
  }
  if (family === "ipv6" && "gateway_protocols" in t) {
    p.add([family, "gateway_protocols"], `only [ipv4] takes "gateway_protocols" (the gateway source asks the router for its IPv4 WAN address)`);
  }
  checkKeys(p, path, t, family === "ipv4" ? [...KEYS.ipv4, "prefer"] : [...KEYS.ipv6, "gateway_protocols"]);
  const at = (k: string): KeyPath => [family, k];

  if (t.enabled !== undefined) out.enabled = readBool(p, at("enabled"), t.enabled) ?? true;
  if (t.sources !== undefined) out.sources = readSources(p, at("sources"), t.sources) ?? out.sources;
  if (t.interfaces !== undefined) {
    const list = readStringList(p, at("interfaces"), t.interfaces) ?? [];
    list.forEach((name, n) => {
      if (!isInterfaceName(name)) p.add([family, "interfaces", n], `"${name}" is not an interface name`);
    });
    out.interfaces = list;
  }
  if (t.urls !== undefined) {
    const list = readStringList(p, at("urls"), t.urls) ?? [];
    list.forEach((u, n) => {
      const r = checkUrl(u);
      if (!r.ok) p.add([family, "urls", n], r.reason);
    });
    out.urls = list;
  }
  if (t.address !== undefined) out.addresses = readAddresses(p, family, t.address);
  if (t.command !== undefined) {
    const argv = readStringList(p, at("command"), t.command, { nonEmpty: true }) ?? [];
    if (argv[0] !== undefined && !argv[0].startsWith("/")) {
      p.add(at("command"), `the program "${argv[0]}" must be an absolute path (the command runs without a shell or PATH)`);
    }
    out.command = argv;
  }
  if (t.dns_servers !== undefined) {
    const list = readStringList(p, at("dns_servers"), t.dns_servers, { nonEmpty: true }) ?? [];
    out.dnsServers = [];
    list.forEach((s, n) => {
      // An optional port: "192.0.2.1:5353" or "[2001:db8::1]:5353" (a resolver on a
      // non-standard port, or a test server on loopback).
      const m = family === "ipv4" ? /^([^:]+):(\d{1,5})$/.exec(s) : /^\[(.+)\]:(\d{1,5})$/.exec(s);
      const port = m ? Number(m[2]) : undefined;
      if (port !== undefined && (port < 1 || port > 65535)) {
        p.add([family, "dns_servers", n], `"${s}": the port must be 1-65535`);
        return;
      }
      const r = canonicalIp(m ? (m[1] ?? "") : s, family);
      if (r.ok) out.dnsServers.push(port === undefined ? r.ip : family === "ipv4" ? `${r.ip}:${port}` : `[${r.ip}]:${port}`);
      else p.add([family, "dns_servers", n], `"${s}" ${r.reason} (dns_servers takes ${family === "ipv4" ? "IPv4" : "IPv6"} addresses with an optional port, never names)`);
    });
  }
  if (t.dns_name !== undefined) {
    const s = readString(p, at("dns_name"), t.dns_name);
    if (s !== undefined) {
      const r = normalizeHostname(s, { wildcard: false, minLabels: 1 });
      if (r.ok) out.dnsName = r.name;
      else p.add(at("dns_name"), r.reason);
    }
  }
  if (family === "ipv6" && t.prefer !== undefined) {
    if (t.prefer === "stable" || t.prefer === "temporary") out.prefer = t.prefer;
    else p.add(at("prefer"), `must be "stable" or "temporary"`);
  }
  if (t.accept_private !== undefined) out.acceptPrivate = readBool(p, at("accept_private"), t.accept_private) ?? false;
  if (t.timeout !== undefined) {
    const s = readNumber(p, at("timeout"), t.timeout, 1, 60);
    if (s !== undefined) out.timeoutMs = Math.round(s * 1000);
  }

  if (family === "ipv4" && t.gateway_protocols !== undefined) {
    const list = readStringList(p, at("gateway_protocols"), t.gateway_protocols, { nonEmpty: true }) ?? [];
    const chosen: GatewayProtocol[] = [];
    list.forEach((s, n) => {
      if (!(GATEWAY_PROTOCOLS as readonly string[]).includes(s)) p.add([family, "gateway_protocols", n], `unknown protocol "${s}"${didYouMean(s, GATEWAY_PROTOCOLS)}; the gateway source speaks ${GATEWAY_PROTOCOLS.join(", ")}`);
      else if (chosen.includes(s as GatewayProtocol)) p.add([family, "gateway_protocols", n], `"${s}" is listed twice`);
      else chosen.push(s as GatewayProtocol);
    });
    if (chosen.length > 0) out.gatewayProtocols = chosen;
  }
  if (family === "ipv6" && out.sources.includes("gateway")) {
    p.add(at("sources"), `the "gateway" source is IPv4 only (a router has no IPv6 NAT address to report); for IPv6 use "interface"`);
  }
  if (out.sources.includes("static") && out.addresses.length === 0 && t.address === undefined) {
    p.add(at("sources"), `the "static" source needs "address" in [${family}]`);
  }
  if (out.sources.includes("command") && t.command === undefined) {
    p.add(at("sources"), `the "command" source needs "command" in [${family}]`);
  }
  return out;
}

function readSources(p: Problems, path: KeyPath, raw: unknown): SourceName[] | undefined {
  const list = readStringList(p, path, raw, { nonEmpty: true });
  if (list === undefined) return undefined;
  const out: SourceName[] = [];
  list.forEach((s, n) => {
    if (!(SOURCE_NAMES as readonly string[]).includes(s)) {
      p.add([...path, n], `unknown source "${s}"${didYouMean(s, SOURCE_NAMES)}; sources are ${SOURCE_NAMES.join(", ")}`);
    } else if (out.includes(s as SourceName)) {
      p.add([...path, n], `"${s}" is listed twice`);
    } else {
      out.push(s as SourceName);
    }
  });
  return out;
}

function readAddresses(p: Problems, family: Family, raw: unknown): string[] {
  const path: KeyPath = [family, "address"];
  const list = typeof raw === "string" ? [raw] : readStringList(p, path, raw, { nonEmpty: true });
  if (list === undefined) return [];
  const out: string[] = [];
  list.forEach((s, n) => {
    const r = canonicalIp(s, family);
    if (!r.ok) p.add(typeof raw === "string" ? path : [...path, n], `"${s}" ${r.reason}`);
    else if (!out.includes(r.ip)) out.push(r.ip);
  });
  return out;
}
