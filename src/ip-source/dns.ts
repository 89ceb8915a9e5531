/**
 * The `dns` source: ask a resolver that answers with the asker's address, such as
 * OpenDNS for `myip.opendns.com`. Raw DNS over UDP with node:dgram: the system
 * resolver is never involved (it may be the very thing that is wrong).
 *
 * Each configured server (an IP literal, optionally with a port: `192.0.2.1:5353`,
 * `[2001:db8::1]:53`) is asked in order; the first sane answer wins. The wire format
 * and the exchange are src/net/dns/ (query(): random id, connected socket, only an
 * answer with our id, the QR bit and our question counts, replies over 4 KiB are
 * ignored); each server gets an equal share of timeout_ms. Truncated (TC) replies,
 * error rcodes and malformed records make that server unavailable: an echo answer
 * is one record, so a truncated one is not worth a TCP connection.
 *
 * The resolver sees the transport's address, so servers for the ipv6 family should
 * be IPv6 addresses and the ipv4 family's IPv4 addresses (the defaults are).
 */
import type { FamilyConfig } from "../config/types.js";
import type { Detection, Family, IpSource } from "./types.js";
import { printable, screen } from "./sanity.js";
import { isDdnsError } from "../errors.js";
import { answerAddresses, canonicalName, isHostName, rcodeName, TYPE, WireError } from "../net/dns/message.js";
import { parseServer, query, type DnsServer } from "../net/dns/exchange.js";

export { parseServer };

export const DEFAULT_DNS_NAME = "myip.opendns.com";
export const DEFAULT_DNS_SERVERS: Record<Family, readonly string[]> = {
  ipv4: ["208.67.222.222", "208.67.220.220"],
  ipv6: ["2620:119:35::35", "2620:119:53::53"],
};

type Asked = { kind: "error"; reason: string } | { kind: "answer"; addresses: string[] };

/** One server, one question: the addresses it gave for `name`, or why not. */
async function ask(server: DnsServer, name: string, qtype: number, deadlineMs: number, signal: AbortSignal): Promise<Asked> {
  try {
    const { message, wire } = await query(server, name, qtype, { recursion: true, deadlineMs, signal, onTruncated: "return" });
    const h = message.header;
    if (h.tc) return { kind: "error", reason: "the answer was truncated (TC)" };
    if (h.rcode !== 0) return { kind: "error", reason: `the server answered ${rcodeName(h.rcode)}` };
    const addresses = answerAddresses(message, wire, name, qtype);
    return addresses.length > 0 ? { kind: "answer", addresses } : { kind: "error", reason: "the answer holds no address" };
  } catch (e) {
    if (e instanceof WireError) return { kind: "error", reason: `malformed answer (${e.message})` };
    if (isDdnsError(e)) {
      if (e.code === "NET_ABORTED" || e.code === "NET_TIMEOUT") return { kind: "error", reason: "no answer in time" };
      return { kind: "error", reason: e.message };
    }
    throw e;
  }
}

export function createDnsSource(cfg: FamilyConfig): IpSource {
  return {
    name: "dns",
    async detect(family: Family, signal: AbortSignal): Promise<Detection> {
      const unavailable = (reason: string): Detection => ({ kind: "unavailable", source: "dns", reason });
      const name = canonicalName(cfg.dnsName === "" ? DEFAULT_DNS_NAME : cfg.dnsName);
      if (!isHostName(name)) return unavailable(`"${printable(name)}" is not a valid DNS name`);
      const servers = cfg.dnsServers.length > 0 ? cfg.dnsServers : DEFAULT_DNS_SERVERS[family];
      const qtype = family === "ipv4" ? TYPE.A : TYPE.AAAA;
      const share = Math.max(100, Math.floor(cfg.timeoutMs / servers.length));
      const reasons: string[] = [];
      for (const text of servers) {
        if (signal.aborted) break;
        const server = parseServer(text);
        if (!server) {
          reasons.push(`${printable(text)}: not an IP address (the dns source never uses the system resolver)`);
          continue;
        }
        const r = await ask(server, name, qtype, share, signal);
        if (r.kind === "error") {
          reasons.push(`${text}: ${r.reason}`);
          continue;
        }
        const { accepted, refused } = screen(r.addresses, family, { acceptPrivate: cfg.acceptPrivate, check: true });
        if (accepted.length > 0) return { kind: "found", source: "dns", addresses: accepted };
        reasons.push(`${text}: refused ${refused.join(", ")}`);
      }
      return unavailable(reasons.length > 0 ? reasons.join("; ") : "aborted");
    },
  };
}
