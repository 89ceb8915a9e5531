/**
 * The `http` source: ask echo services which address our requests come from.
 *
 * Each URL is asked in order with the family pinned (an IPv4 question goes out over
 * IPv4), no redirects (a 3xx makes that URL unavailable), the body capped at 1 KiB,
 * and a strict parse: the trimmed body must be exactly one address of the family,
 * or a Cloudflare `/cdn-cgi/trace` body (`key=value` lines) with one `ip=` line.
 * The first URL whose answer passes the sanity check wins. The defaults ask
 * Cloudflare by IP literal first (no DNS lookup needed), as favonia/cloudflare-ddns does.
 */
import type { FamilyConfig } from "../config/types.js";
import type { HttpClient } from "../net/types.js";
import { isDdnsError } from "../errors.js";
import type { Detection, Family, IpSource } from "./types.js";
import { parseAddress, formatBytes, printable, screen } from "./sanity.js";

export const DEFAULT_URLS: Record<Family, readonly string[]> = {
  ipv4: ["https://1.1.1.1/cdn-cgi/trace", "https://api.ipify.org"],
  ipv6: ["https://[2606:4700:4700::1111]/cdn-cgi/trace", "https://api6.ipify.org"],
};
export const MAX_ECHO_BODY_BYTES = 1024;

const TRACE_LINE = /^[a-z0-9_]{1,32}=[\x20-\x7e]*$/;

/** The one address an echo body states, or a reason it is not acceptable. */
export function parseEchoBody(body: string, family: Family): { address: string } | { reason: string } {
  const text = body.trim();
  const lines = text.split(/\r?\n/);
  let candidate = text;
  if (lines.length > 1 || text.startsWith("ip=")) {
    if (!lines.every((l) => TRACE_LINE.test(l))) return { reason: "the answer is not a single address" };
    const ips = lines.filter((l) => l.startsWith("ip="));
    if (ips.length !== 1) return { reason: "the answer has no single ip= line" };
    candidate = ips[0]!.slice(3);
  }
  const p = parseAddress(candidate);
  if (!p) return { reason: `the answer "${printable(candidate, 40)}" is not an address` };
  if (p.family !== family) return { reason: `the answer ${formatBytes(p.bytes)} is not an ${family === "ipv4" ? "IPv4" : "IPv6"} address` };
  return { address: formatBytes(p.bytes) };
}

/** Names a URL in a reason without its path or query (which could carry a token). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

export function createHttpSource(cfg: FamilyConfig, getHttp: () => Promise<HttpClient>): IpSource {
  return {
    name: "http",
    async detect(family: Family, signal: AbortSignal): Promise<Detection> {
      const urls = cfg.urls.length > 0 ? cfg.urls : DEFAULT_URLS[family];
      const client = await getHttp();
      const reasons: string[] = [];
      // Each URL gets an equal share of the source's deadline, so one that hangs
      // leaves time for the next.
      const share = Math.max(200, Math.floor(cfg.timeoutMs / urls.length));
      for (const url of urls) {
        if (signal.aborted) {
          reasons.push("aborted");
          break;
        }
        const host = hostOf(url);
        let status: number;
        let body: string;
        try {
          const res = await client.request({
            method: "GET",
            url,
            headers: { accept: "text/plain" },
            family: family === "ipv4" ? 4 : 6,
            maxBodyBytes: MAX_ECHO_BODY_BYTES,
            deadlineMs: share,
            signal,
          });
          status = res.status;
          body = res.body;
        } catch (e) {
          // DdnsError messages from net/http already name the method and host.
          reasons.push(isDdnsError(e) ? e.message : `${host}: ${(e as Error)?.message ?? String(e)}`);
          continue;
        }
        if (status >= 300 && status < 400) {
          reasons.push(`${host}: redirect (HTTP ${status}) refused`);
          continue;
        }
        if (status !== 200) {
          reasons.push(`${host}: HTTP ${status}`);
          continue;
        }
        const parsed = parseEchoBody(body, family);
        if ("reason" in parsed) {
          reasons.push(`${host}: ${parsed.reason}`);
          continue;
        }
        const { accepted, refused } = screen([parsed.address], family, { acceptPrivate: cfg.acceptPrivate, check: true });
        if (accepted.length > 0) return { kind: "found", source: "http", addresses: accepted };
        reasons.push(`${host}: refused ${refused.join(", ")}`);
      }
      return { kind: "unavailable", source: "http", reason: reasons.join("; ") };
    },
  };
}
