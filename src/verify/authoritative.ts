/**
 * What a zone's authoritative servers serve for a name, asked directly (issue 17).
 *
 * The resolvers (`verify_resolvers`, else /etc/resolv.conf's) are used only to find
 * the way: the zone that holds the name (the SOA in an answer's answer or authority
 * section), its NS names and their addresses. The verdict comes from the NS
 * themselves, asked with RD clear and believed only with the AA bit set: a local
 * resolver's cache or split-horizon view never decides (qdm12/ddns-updater resolves
 * through the host's resolver and pushes on every cycle behind split DNS).
 *
 * Every server that answers authoritatively must agree; servers that disagree mean a
 * change is propagating (a secondary not yet transferred), never drift. A server
 * that does not answer is left out; when none answers, the result is "unknown".
 */
import { CLASS, TYPE, answerAddresses, canonicalName, rcodeName, readName, type ParsedMessage } from "../net/dns/message.js";
import { formatServer, query, type DnsServer } from "../net/dns/exchange.js";
import type { Family } from "../ip-source/types.js";
import { isDdnsError } from "../errors.js";

const RCODE_NOERROR = 0;
const RCODE_NXDOMAIN = 3;
const AA = 0x0400;
/** At most this many NS addresses are asked (a zone with more is served well by these). */
const MAX_SERVERS = 6;

export interface AuthoritativeOptions {
  /** Where the way to the zone is looked up (RD set). */
  resolvers: readonly DnsServer[];
  /** The port the NS are asked on (53; a test's loopback servers use others). */
  port: number;
  deadlineMs: number;
  signal: AbortSignal;
}

export type AuthoritativeAnswer =
  | { kind: "served"; addresses: string[]; servers: string[] }
  | { kind: "propagating"; reason: string }
  | { kind: "unknown"; reason: string };

type Ask = (server: DnsServer, name: string, qtype: number, recursion: boolean) => Promise<{ message: ParsedMessage; wire: Buffer }>;

/** Memo of the way to a zone within one run: several records of one zone cost one walk. */
export type ZoneMemo = Map<string, Promise<{ zone: string; servers: DnsServer[] } | string>>;

/** Asks the zone's authoritative servers for `name`'s A or AAAA records. */
export async function askAuthoritative(name: string, family: Family, o: AuthoritativeOptions, memo: ZoneMemo = new Map()): Promise<AuthoritativeAnswer> {
  const ask: Ask = (server, n, qtype, recursion) => query(server, n, qtype, { deadlineMs: o.deadlineMs, signal: o.signal, recursion, resendMs: 1000 });
  const key = canonicalName(name);
  let way = memo.get(key);
  if (way === undefined) {
    way = findServers(key, o, ask);
    memo.set(key, way);
  }
  const found = await way;
  if (typeof found === "string") return { kind: "unknown", reason: found };
  return askServers(name, family, found.servers, ask);
}

/** Asks `servers` directly (RD clear) and compares their answers. Also the rfc2136 primary's check. */
export async function askServers(name: string, family: Family, servers: readonly DnsServer[], ask: Ask | AuthoritativeOptions): Promise<AuthoritativeAnswer> {
  const asker: Ask =
    typeof ask === "function" ? ask : (server, n, qtype, recursion) => query(server, n, qtype, { deadlineMs: ask.deadlineMs, signal: ask.signal, recursion, resendMs: 1000 });
  const qtype = family === "ipv4" ? TYPE.A : TYPE.AAAA;
  const answers = await Promise.all(
    servers.map(async (server): Promise<{ server: string; addresses: string[] } | { server: string; error: string }> => {
      const where = formatServer(server);
      try {
        const { message, wire } = await asker(server, name, qtype, false);
        const rcode = message.header.rcode;
        if (rcode !== RCODE_NOERROR && rcode !== RCODE_NXDOMAIN) return { server: where, error: `${where} answered ${rcodeName(rcode)}` };
        if ((wire.readUInt16BE(2) & AA) === 0) return { server: where, error: `${where} is not authoritative for ${name} (no AA bit)` };
        if (rcode === RCODE_NXDOMAIN) return { server: where, addresses: [] };
        return { server: where, addresses: [...new Set(answerAddresses(message, wire, name, qtype))].sort() };
      } catch (e) {
        return { server: where, error: `${where}: ${errorText(e)}` };
      }
    }),
  );
  const good = answers.filter((a): a is { server: string; addresses: string[] } => "addresses" in a);
  if (good.length === 0) {
    const why = answers.map((a) => ("error" in a ? a.error : "")).join("; ");
    return { kind: "unknown", reason: `no authoritative answer for ${name}: ${why || "no server to ask"}` };
  }
  const first = good[0]!.addresses.join(" ");
  const differing = good.filter((a) => a.addresses.join(" ") !== first);
  if (differing.length > 0) {
    const what = good.map((a) => `${a.server} serves ${a.addresses.join(" ") || "nothing"}`).join(", ");
    return { kind: "propagating", reason: `the authoritative servers of ${name} disagree (${what})` };
  }
  return { kind: "served", addresses: good[0]!.addresses, servers: good.map((a) => a.server) };
}

/** The zone of `name` (SOA walk through the resolvers), its NS and their addresses. */
async function findServers(name: string, o: AuthoritativeOptions, ask: Ask): Promise<{ zone: string; servers: DnsServer[] } | string> {
  if (o.resolvers.length === 0) return "no resolver to find the zone's servers with (set verify_resolvers, or nameserver in /etc/resolv.conf)";
  const errors: string[] = [];
  for (const resolver of o.resolvers) {
    try {
      const zone = await zoneOf(name, resolver, ask);
      if (zone === null) {
        errors.push(`${formatServer(resolver)} gave no SOA for ${name}`);
        continue;
      }
      const ns = await ask(resolver, zone, TYPE.NS, true);
      if (ns.message.header.rcode !== RCODE_NOERROR) {
        errors.push(`${formatServer(resolver)} answered ${rcodeName(ns.message.header.rcode)} for the NS of ${zone}`);
        continue;
      }
      const nsNames = (ns.message.records[0] ?? [])
        .filter((rr) => rr.type === TYPE.NS && rr.cls === CLASS.IN && canonicalName(rr.name) === zone)
        .map((rr) => canonicalName(readName(ns.wire, rr.rdataStart)[0]));
      if (nsNames.length === 0) {
        errors.push(`${formatServer(resolver)} gave no NS for ${zone}`);
        continue;
      }
      const servers: DnsServer[] = [];
      for (const n of nsNames.sort()) {
        if (servers.length >= MAX_SERVERS) break;
        // Glue in the additional section first; else ask the resolver for the NS's address.
        let addrs = glue(ns.message, ns.wire, n, TYPE.A);
        if (addrs.length === 0) {
          const a = await ask(resolver, n, TYPE.A, true).catch(() => null);
          addrs = a === null ? [] : answerAddresses(a.message, a.wire, n, TYPE.A);
        }
        if (addrs.length === 0) {
          const a = await ask(resolver, n, TYPE.AAAA, true).catch(() => null);
          addrs = a === null ? [] : answerAddresses(a.message, a.wire, n, TYPE.AAAA);
        }
        for (const host of addrs) if (!servers.some((s) => s.host === host)) servers.push({ host, port: o.port });
      }
      if (servers.length === 0) {
        errors.push(`no address found for the NS of ${zone} (${nsNames.join(", ")})`);
        continue;
      }
      return { zone, servers: servers.slice(0, MAX_SERVERS) };
    } catch (e) {
      errors.push(`${formatServer(resolver)}: ${errorText(e)}`);
    }
  }
  return `cannot find the authoritative servers of ${name}: ${errors.join("; ")}`;
}

/** The zone holding `name`: the owner of the SOA the resolver returns for it (answer or authority section). */
async function zoneOf(name: string, resolver: DnsServer, ask: Ask): Promise<string | null> {
  const { message } = await ask(resolver, name, TYPE.SOA, true);
  const rcode = message.header.rcode;
  if (rcode !== RCODE_NOERROR && rcode !== RCODE_NXDOMAIN) throw new Error(`answered ${rcodeName(rcode)} for the SOA of ${name}`);
  for (const section of [message.records[0] ?? [], message.records[1] ?? []]) {
    for (const rr of section) {
      if (rr.type !== TYPE.SOA || rr.cls !== CLASS.IN) continue;
      const owner = canonicalName(rr.name);
      // Only a zone that holds the name (the name itself or a parent of it).
      if (owner === name || name.endsWith(`.${owner}`)) return owner;
    }
  }
  return null;
}

function glue(m: ParsedMessage, wire: Buffer, host: string, qtype: number): string[] {
  const add = m.records[2] ?? [];
  const fake: ParsedMessage = { header: m.header, questions: m.questions, records: [add, [], []] };
  return answerAddresses(fake, wire, host, qtype);
}

function errorText(e: unknown): string {
  if (isDdnsError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}
