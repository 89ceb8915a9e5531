import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockApi } from "./mock-api.js";

/**
 * Duck DNS as https://www.duckdns.org/spec.jsp documents it: GET /update with
 * domains, token, optional ip / ipv6, verbose=true; `KO` for a wrong token or an
 * unknown domain (HTTP 200), `OK\nV4\nV6\nUPDATED|NOCHANGE` when verbose.
 * Dual stack, from spec.jsp: "ip - OPTIONAL - if left blank we detect IPv4 addresses";
 * "ipv6 - OPTIONAL - a valid IPv6 address, if you specify this then the autodetection
 * for ip is not used": a request with neither is refused here.
 */
export interface DuckdnsMock extends MockApi {
  /** Current addresses per sub-name. */
  hosts: Map<string, { ip: string; ipv6: string }>;
}

export async function startDuckdns(token: string, subs: string[]): Promise<DuckdnsMock> {
  const hosts = new Map(subs.map((s) => [s, { ip: "", ipv6: "" }]));
  const allowed = new Set(["domains", "token", "ip", "ipv6", "verbose", "clear"]);
  const api = await startMockApi((req, violate) => {
    if (req.method !== "GET") return violate(`method ${req.method}`);
    if (req.path !== "/update") return violate("path");
    for (const k of req.query.keys()) if (!allowed.has(k)) return violate(`unknown parameter ${k}`);
    if (req.query.get("verbose") !== "true") return violate("ddns asks for verbose=true");
    const ip = req.query.get("ip");
    const ipv6 = req.query.get("ipv6");
    if (ip !== null && !isIPv4(ip) && !isIPv6(ip)) return violate("ip is not an address");
    if (ipv6 !== null && !isIPv6(ipv6)) return violate("ipv6 is not an IPv6 address");
    if (ip === null && ipv6 === null) return violate("no address: Duck DNS would use the source address");
    const domains = (req.query.get("domains") ?? "").split(",");
    if (req.query.get("token") !== token || domains.some((d) => !hosts.has(d.replace(/\.duckdns\.org$/, "")))) {
      return { status: 200, body: "KO" };
    }
    let changed = false;
    for (const d of domains) {
      const h = hosts.get(d.replace(/\.duckdns\.org$/, ""))!;
      if (ip !== null && h.ip !== ip) [h.ip, changed] = [ip, true];
      if (ipv6 !== null && h.ipv6 !== ipv6) [h.ipv6, changed] = [ipv6, true];
    }
    const h = hosts.get(domains[0]!.replace(/\.duckdns\.org$/, ""))!;
    return { status: 200, body: `OK\n${h.ip}\n${h.ipv6}\n${changed ? "UPDATED" : "NOCHANGE"}` };
  });
  return Object.assign(api, { hosts });
}
