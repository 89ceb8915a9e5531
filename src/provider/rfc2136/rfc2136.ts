/**
 * rfc2136: DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945).
 *
 * Written with node:dgram/node:net and node:crypto instead of a library or nsupdate:
 * the whole client (src/net/dns/, tsig.ts, this file) is ~500 lines;
 * the npm DNS packages are bigger, unmaintained or without TSIG; spawning nsupdate
 * costs a process, a runtime dependency on bind9-dnsutils, and the secret on its
 * command line or in a temp file. One UPDATE message carries every due record of the
 * provider entry: for each, "delete the RRset" then "add" its addresses (the
 * sequence nsupdate sends), so a change costs one round trip and no read.
 */
import { randomInt } from "node:crypto";
import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "../types.js";
import {
  CLASS,
  OPCODE_UPDATE,
  TYPE,
  WireError,
  addressBytes,
  canonicalName,
  encodeHeader,
  encodeName,
  encodeRR,
  parseMessage,
  rcodeName,
} from "../../net/dns/message.js";
import { parseTsigKey, signMessage, verifyResponse, type TsigKey } from "./tsig.js";
import { exchange, formatServer, parseServer, type DnsServer } from "../../net/dns/exchange.js";
import { isDdnsError } from "../../errors.js";

const DEFAULT_TTL = 300;
const DEADLINE_MS = 10_000;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9, NOTZONE: 10 } as const;
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

  /** Sends one signed UPDATE; returns the classification for everything in it. */
  async function send(
    s: Setup,
    updateSection: Buffer[],
    what: string,
    signal: AbortSignal,
  ): Promise<{ kind: "ok" } | { kind: "transient" | "permanent"; reason: string }> {
    const where = formatServer(s.server);
    const body = Buffer.concat([
      encodeHeader({ id: randomInt(65536), qr: false, opcode: OPCODE_UPDATE, tc: false, rcode: 0, counts: [1, 0, updateSection.length, 0] }),
      encodeName(s.zone),
      Buffer.from([0, TYPE.SOA, 0, CLASS.IN]),
      ...updateSection,
    ]);
    const signed = signMessage(body, s.key, deps.now() / 1000);
    let wire: Buffer;
    try {
      wire = await exchange(s.server, signed.wire, { tcp: s.tcp, deadlineMs: DEADLINE_MS, signal });
    } catch (e) {
      const why = isDdnsError(e) ? e.message : "the exchange failed";
      return { kind: "transient", reason: `the update of ${what} to ${where} failed: ${why}; will retry` };
    }
    let parsed;
    try {
      parsed = parseMessage(wire);
    } catch (e) {
      const why = e instanceof WireError ? e.message : "it does not parse";
      return { kind: "transient", reason: `${where} sent a malformed answer to the update of ${what} (${why}); will retry` };
    }
    const h = parsed.header;
    if (!h.qr || h.opcode !== OPCODE_UPDATE) {
      return { kind: "transient", reason: `${where} answered the update of ${what} with something other than an UPDATE answer; will retry` };
    }
    const check = verifyResponse(wire, parsed, s.key, signed.mac, deps.now() / 1000);
    const keyText = `TSIG key "${s.key.name}" (${s.key.algorithm})`;
    if (check.kind === "error") {
      const err = rcodeName(check.error);
      if (check.error === TSIG_BADTIME) {
        return { kind: "transient", reason: `${where} refused the update of ${what}: ${rcodeName(h.rcode)}(${err}), the clocks differ by more than 5 minutes: check this machine's time` };
      }
      return {
        kind: "permanent",
        reason: `${where} rejected ${keyText} for ${what}: ${rcodeName(h.rcode)}(${err}); check key_name, key_secret and key_algorithm against the server's key statement`,
      };
    }
    switch (h.rcode) {
      case RCODE.NOERROR:
        if (check.kind !== "valid") {
          const why = check.kind === "unsigned" ? "the answer is not signed" : check.why;
          return { kind: "transient", reason: `${where} answered the update of ${what} but ${why}: not trusting it; will retry` };
        }
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
      const section: Buffer[] = [];
      const sent: RecordUpdate[] = [];
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
        const owner = canonicalName(u.name);
        section.push(encodeRR(owner, type, CLASS.ANY, 0));
        for (const rd of rdatas) section.push(encodeRR(owner, type, CLASS.IN, u.ttl ?? DEFAULT_TTL, rd!));
        sent.push(u);
      }
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
