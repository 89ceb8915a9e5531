/**
 * rfc2136: DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945).
 *
 * Written with node:dgram/node:net and node:crypto instead of a library or nsupdate:
 * the whole client (src/net/dns/, tsig.ts, this file) is ~500 lines;
 * the npm DNS packages are bigger, unmaintained or without TSIG; spawning nsupdate
 * costs a process, a runtime dependency on bind9-dnsutils, and the secret on its
 * command line or in a temp file. One UPDATE message carries every due record of the
 * provider entry: for each, "delete the RRset" then "add" its addresses (the
 * sequence nsupdate sends).
 *
 * TTL (issue 14): an added RR must carry a TTL, and the server gives the whole RRset
 * the added records' TTL (RFC 2181 §5.2), so an UPDATE cannot "leave the TTL alone".
 * A record without `ttl` therefore first asks the primary (the same server, signed
 * with the same key, RD clear) for the RRset and reuses the TTL it serves; only when
 * the name has no such RRset does the documented default (300) apply. Those queries
 * go out together, before the UPDATE: a change costs two round trips without `ttl`,
 * one with it.
 */
import { randomInt } from "node:crypto";
import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "../types.js";
import {
  CLASS,
  OPCODE_QUERY,
  OPCODE_UPDATE,
  TYPE,
  WireError,
  addressBytes,
  buildQuery,
  canonicalName,
  encodeHeader,
  encodeName,
  encodeRR,
  parseMessage,
  rcodeName,
  readName,
  type ParsedMessage,
} from "../../net/dns/message.js";
import { parseTsigKey, signMessage, verifyResponse, type TsigKey } from "./tsig.js";
import { exchange, formatServer, parseServer, type DnsServer } from "../../net/dns/exchange.js";
import { isDdnsError } from "../../errors.js";

/** The TTL of an RRset ddns creates when the record has no `ttl` (ddns.toml(5), PROVIDER TYPES). */
export const DEFAULT_TTL = 300;
const DEADLINE_MS = 10_000;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9, NOTZONE: 10 } as const;
const TSIG_BADTIME = 18;

interface Setup {
  server: DnsServer;
  zone: string;
  key: TsigKey;
  tcp: boolean;
}

function setup(settings: ProviderSettings): Setup | string {
  const v = settings.values;
  const server = parseServer(String(v.server ?? ""));
  if (!server) return `server "${String(v.server ?? "")}" is not an IP address with an optional port (names are not resolved)`;
  const zone = canonicalName(String(v.zone ?? ""));
  if (zone === "") return "zone is empty";
  const key = parseTsigKey(String(v.key_name ?? ""), String(v.key_algorithm ?? "hmac-sha256"), String(v.key_secret ?? ""));
  if (typeof key === "string") return key;
  return { server, zone, key, tcp: v.tcp === true };
}

function inZone(name: string, zone: string): boolean {
  const n = canonicalName(name);
  return n === zone || n.endsWith(`.${zone}`);
}

export function createRfc2136(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const ready = setup(settings);
  const label = `rfc2136 provider "${settings.name}"`;

  type Failure = { kind: "transient" | "permanent"; reason: string };

  /**
   * Sends one signed message (an UPDATE or a query) and returns its answer, or the
   * failure of the exchange itself: no answer, a malformed one, the wrong opcode, a
   * TSIG error. `doing` names the act for messages ("the update of x (A)").
   */
  async function signedExchange(
    s: Setup,
    body: Buffer,
    opcode: number,
    doing: string,
    signal: AbortSignal,
  ): Promise<{ kind: "answer"; parsed: ParsedMessage; wire: Buffer; signedOk: boolean; unsignedWhy: string } | Failure> {
    const where = formatServer(s.server);
    const signed = signMessage(body, s.key, deps.now() / 1000);
    let wire: Buffer;
    try {
      wire = await exchange(s.server, signed.wire, { tcp: s.tcp, deadlineMs: DEADLINE_MS, signal });
    } catch (e) {
      const why = isDdnsError(e) ? e.message : "the exchange failed";
      return { kind: "transient", reason: `${doing} to ${where} failed: ${why}; will retry` };
    }
    let parsed;
    try {
      parsed = parseMessage(wire);
    } catch (e) {
      const why = e instanceof WireError ? e.message : "it does not parse";
      return { kind: "transient", reason: `${where} sent a malformed answer to ${doing} (${why}); will retry` };
    }
    const h = parsed.header;
    if (!h.qr || h.opcode !== opcode) {
      return { kind: "transient", reason: `${where} answered ${doing} with something other than ${opcode === OPCODE_UPDATE ? "an UPDATE" : "a QUERY"} answer; will retry` };
    }
    const check = verifyResponse(wire, parsed, s.key, signed.mac, deps.now() / 1000);
    const keyText = `TSIG key "${s.key.name}" (${s.key.algorithm})`;
    if (check.kind === "error") {
      const err = rcodeName(check.error);
      if (check.error === TSIG_BADTIME) {
        return { kind: "transient", reason: `${where} refused ${doing}: ${rcodeName(h.rcode)}(${err}), the clocks differ by more than 5 minutes: check this machine's time` };
      }
      return {
        kind: "permanent",
        reason: `${where} rejected ${keyText} for ${doing}: ${rcodeName(h.rcode)}(${err}); check key_name, key_secret and key_algorithm against the server's key statement`,
      };
    }
    return { kind: "answer", parsed, wire, signedOk: check.kind === "valid", unsignedWhy: check.kind === "unsigned" ? "the answer is not signed" : check.kind === "invalid" ? check.why : "" };
  }

  /**
   * The TTL the primary serves for the RRset (owner, type), or null when the name has
   * no such RRset (NXDOMAIN, or NOERROR without it): then the default applies.
   */
  async function servedTtl(s: Setup, owner: string, type: number, what: string, signal: AbortSignal): Promise<{ kind: "ttl"; ttl: number | null } | Failure> {
    const where = formatServer(s.server);
    const doing = `the query for the TTL of ${what}`;
    const r = await signedExchange(s, buildQuery(randomInt(65536), owner, type, false), OPCODE_QUERY, doing, signal);
    if (r.kind !== "answer") return r;
    const rcode = r.parsed.header.rcode;
    if (rcode === RCODE.REFUSED) {
      return {
        kind: "permanent",
        reason: `${where} refused ${doing} (REFUSED): a record without ttl keeps the TTL its RRset has, so ddns asks the primary first; check that ${where} serves zone ${s.zone} and that its allow-query admits this host or the key, or set ttl for the record`,
      };
    }
    if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) {
      return { kind: "transient", reason: `${where} could not answer ${doing} (${rcodeName(rcode)}); will retry` };
    }
    if (!r.signedOk) return { kind: "transient", reason: `${where} answered ${doing} but ${r.unsignedWhy}: not trusting it; will retry` };
    // AA: the primary's own data, with the TTL as configured (a cache would count it down).
    if ((r.wire.readUInt16BE(2) & 0x0400) === 0) {
      return { kind: "permanent", reason: `${where} is not authoritative for ${what} (its answer lacks the AA bit): server must be the primary of zone ${s.zone}` };
    }
    if (rcode === RCODE.NXDOMAIN) return { kind: "ttl", ttl: null };
    const answers = r.parsed.records[0] ?? [];
    // A CNAME at the name: an address record cannot sit beside it, and BIND would ignore
    // the add silently (RFC 2136 §3.4.2.2); it is not ddns's to delete (issue 14, item 9).
    const cname = answers.find((x) => x.type === TYPE.CNAME && x.cls === CLASS.IN && canonicalName(x.name) === owner);
    if (cname !== undefined) {
      const target = readName(r.wire, cname.rdataStart)[0];
      return {
        kind: "permanent",
        reason: `${where} holds CNAME ${owner} -> ${target}, and an address record cannot sit beside it; ddns does not delete records it did not create: remove the CNAME at the server or choose another name`,
      };
    }
    const rr = answers.find((x) => x.type === type && x.cls === CLASS.IN && canonicalName(x.name) === owner);
    return { kind: "ttl", ttl: rr === undefined ? null : rr.ttl };
  }

  /** Sends one signed UPDATE; returns the classification for everything in it. */
  async function send(
    s: Setup,
    updateSection: Buffer[],
    what: string,
    signal: AbortSignal,
  ): Promise<{ kind: "ok" } | Failure> {
    const where = formatServer(s.server);
    const body = Buffer.concat([
      encodeHeader({ id: randomInt(65536), qr: false, opcode: OPCODE_UPDATE, tc: false, rcode: 0, counts: [1, 0, updateSection.length, 0] }),
      encodeName(s.zone),
      Buffer.from([0, TYPE.SOA, 0, CLASS.IN]),
      ...updateSection,
    ]);
    const r = await signedExchange(s, body, OPCODE_UPDATE, `the update of ${what}`, signal);
    if (r.kind !== "answer") return r;
    const h = r.parsed.header;
    const keyText = `TSIG key "${s.key.name}" (${s.key.algorithm})`;
    switch (h.rcode) {
      case RCODE.NOERROR:
        if (!r.signedOk) return { kind: "transient", reason: `${where} answered the update of ${what} but ${r.unsignedWhy}: not trusting it; will retry` };
        return { kind: "ok" };
      case RCODE.REFUSED:
        return {
          kind: "permanent",
          reason: `${where} refused the update of ${what} (REFUSED): check that its allow-update or update-policy for zone ${s.zone} grants ${keyText} these names and types`,
        };
      case RCODE.NOTAUTH:
        return { kind: "permanent", reason: `${where} is not authoritative for zone ${s.zone} (NOTAUTH) while updating ${what}: check server and zone` };
      case RCODE.NOTZONE:
        return { kind: "permanent", reason: `${where} says ${what} is outside zone ${s.zone} (NOTZONE): check zone` };
      case RCODE.NOTIMP:
        return { kind: "permanent", reason: `${where} does not accept dynamic updates (NOTIMP) for ${what}: enable updates for zone ${s.zone} on the server` };
      case RCODE.FORMERR:
        return { kind: "permanent", reason: `${where} rejected the update of ${what} as malformed (FORMERR): check the record names and the server's logs` };
      default:
        return { kind: "transient", reason: `${where} could not apply the update of ${what} (${rcodeName(h.rcode)}); will retry` };
    }
  }

  return {
    async push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
      const out = new Map<string, PushOutcome>();
      if (typeof ready === "string") {
        for (const u of updates) out.set(u.key, { kind: "permanent", reason: `${label} cannot update ${u.name}: ${ready}` });
        return out;
      }
      const due: { u: RecordUpdate; owner: string; type: number; rdatas: Buffer[]; what: string }[] = [];
      for (const u of updates) {
        const type = u.family === "ipv4" ? TYPE.A : TYPE.AAAA;
        const rdatas = u.addresses.map((a) => addressBytes(a, u.family));
        if (!inZone(u.name, ready.zone)) {
          out.set(u.key, { kind: "permanent", reason: `${label} cannot update ${u.name}: it is not inside zone ${ready.zone}; check zone` });
          continue;
        }
        const bad = u.addresses.find((_, i) => rdatas[i] === null);
        if (bad !== undefined || rdatas.length === 0) {
          out.set(u.key, { kind: "permanent", reason: `${label} cannot update ${u.name}: "${bad ?? ""}" is not an ${u.family} address` });
          continue;
        }
        due.push({ u, owner: canonicalName(u.name), type, rdatas: rdatas as Buffer[], what: `${u.name} (${u.family === "ipv4" ? "A" : "AAAA"})` });
      }
      // Without ttl: the TTL the RRset has now (asked together), the default only for a new RRset.
      const ttls = await Promise.all(
        due.map((d) => (d.u.ttl !== undefined ? Promise.resolve({ kind: "ttl" as const, ttl: d.u.ttl }) : servedTtl(ready, d.owner, d.type, d.what, signal))),
      );
      const section: Buffer[] = [];
      const sent: RecordUpdate[] = [];
      due.forEach((d, i) => {
        const t = ttls[i]!;
        if (t.kind !== "ttl") {
          out.set(d.u.key, t.kind === "transient" ? { kind: "transient", reason: t.reason } : { kind: "permanent", reason: t.reason });
          return;
        }
        section.push(encodeRR(d.owner, d.type, CLASS.ANY, 0));
        for (const rd of d.rdatas) section.push(encodeRR(d.owner, d.type, CLASS.IN, t.ttl ?? DEFAULT_TTL, rd));
        sent.push(d.u);
      });
      if (sent.length === 0) return out;
      const what = sent.map((u) => `${u.name} (${u.family === "ipv4" ? "A" : "AAAA"})`).join(", ");
      const result = await send(ready, section, what, signal);
      for (const u of sent) {
        out.set(u.key, result.kind === "ok" ? { kind: "updated" } : result.kind === "transient" ? { kind: "transient", reason: result.reason } : { kind: "permanent", reason: result.reason });
      }
      return out;
    },

    /** A signed UPDATE with no changes: proves the key and the server's grant without touching the zone. */
    async verify(signal: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }> {
      if (typeof ready === "string") return { ok: false, reason: `${label}: ${ready}` };
      const r = await send(ready, [], `zone ${ready.zone}`, signal);
      return r.kind === "ok" ? { ok: true } : { ok: false, reason: r.reason };
    },
  };
}
