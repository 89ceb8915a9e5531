import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIPv4, isIPv6 } from "node:net";

/**
 * A strict loopback dyndns2 server (Dyn's Remote Access API as No-IP, Dynu, HE,
 * OVH... run it): GET only, Basic auth, a User-Agent in No-IP's required form
 * "NameOfProgram/Version maintainer-contact" (https://www.noip.com/integrate/request:
 * "Clients that do not supply a certified and approved User-Agent risk being
 * rate-limited or blocked"), `hostname` (comma list, at most 20) and `myip` required,
 * one answer line per host in request order (`good IP`, `nochg IP`, `nohost`,
 * `notfqdn`), one line for account errors (`badauth`, `badagent`, `numhost`).
 * It remembers each host's address per family.
 *
 * Dual stack, per service (`dual`), as each service's own document rules:
 * - "dyn": `myip=<v4>,<v6>` in one request, and a family left out is DELETED
 *   (https://help.dyn.com/remote-access-api/perform-update/; openwrt/packages#17875:
 *   "If myip=nnn.nnn.nnn.nnn, the A record is updated and the AAAA record is deleted").
 * - "noip": `myip=<v4>,<v6>`, answered "good <v4>,<v6>" (https://www.noip.com/integrate/response:
 *   "If IPv4 and IPv6 are both supplied, both ips will be returned in a comma separated
 *   list"); a family left out is filled from the connection's source address.
 * - "dynu": IPv6 in `myipv6` (https://www.dynu.com/DynamicDNS/IP-Update-Protocol);
 *   `myip=no` / `myipv6=no` keep a family, else it is filled from the source address
 *   (ddclient/ddclient#964). A host below a custom domain (`aliasZones`) is named
 *   `hostname=<domain>&alias=<label>`: ddclient 126797c, nic_dynu_update: "Dynu requires
 *   hostname=zone&alias=subdomain for custom domains (e.g. zone=example.com, alias=host
 *   for host.example.com)"; Dynu's page lists `alias` among its parameters but its table
 *   was not readable here, so what Dynu answers to the whole FQDN of such a host is
 *   UNVERIFIED: this mock answers `nohost`, as for a host it does not know.
 * - "he": one family per request; the combined form answers `badip`
 *   (https://dns.he.net/docs.html: "When making updates, you will need to make a
 *   separate update for ipv4 and ipv6.").
 * - "selfhost": one family per request; the combined form answers `abuse`.
 * - "kept" (default): one family per request, the other kept; a combined request is a
 *   violation (the service does not document it).
 * - "dynv6": dynv6's Update API instead (https://dynv6.com/docs/apis): GET
 *   /api/update?zone=&token=&ipv4=&ipv6=, "If empty or unset, the current IPv4 address
 *   is kept unchanged"; answers by HTTP status (401 bad token, 404 unknown zone), body
 *   "addresses updated" / "addresses unchanged" (the wording is peers' observation).
 * Redirects: `force({status: 301, headers: {location}})`; Infomaniak's infomaniak.com
 * answers 301 to www.infomaniak.com (ddclient/ddclient#589: "HTTP/2 301 ... location:
 * https://www.infomaniak.com/ip.php/"; Infomaniak's own FAQ was not in the stored corpus).
 * Styles: "dyndns2" answers 200 always; "infomaniak" answers errors with HTTP 400;
 * "selfhost" answers with HTTP status codes (204 no change, 401 auth...).
 * Free of node:test so plain scripts (benchmarks) can use it too.
 */
export interface Dyndns2Account {
  username: string;
  password: string;
  hosts: string[];
}

export interface Dyndns2ServerOptions {
  accounts: Dyndns2Account[];
  /** Request path; "/nic/update" unless given. */
  path?: string;
  style?: "dyndns2" | "infomaniak" | "selfhost";
  /** Query parameters that must be present with exactly this value (e.g. system=dyndns for OVH). */
  requireQuery?: Record<string, string>;
  /** Where an IPv6 address is expected ("myip" unless given; Dynu: "myipv6"). */
  ipv6Param?: string;
  /** The service's dual-stack rule (see the header); "kept" unless given. */
  dual?: "dyn" | "noip" | "dynu" | "he" | "selfhost" | "kept" | "dynv6";
  /** Dynu: custom domains of the account, whose hosts are named hostname=<domain>&alias=<label>. */
  aliasZones?: string[];
  /** Hosts per request before `numhost` (20). Set 1 for services that take one host. */
  maxHosts?: number;
  /** Starting addresses. */
  addresses?: Record<string, { ipv4?: string; ipv6?: string }>;
  host?: string;
  delayMs?: number;
}

export interface Dyndns2SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  /** Basic-auth username, if one came. */
  username: string | undefined;
}

export interface Dyndns2Forced {
  body: string;
  status?: number;
  headers?: Record<string, string>;
  /** How many requests get this answer (1). */
  times?: number;
}

export interface Dyndns2Server {
  /** What `endpoint` takes: http://127.0.0.1:PORT */
  url: string;
  requests: Dyndns2SeenRequest[];
  count(): number;
  addresses(): Record<string, { ipv4?: string; ipv6?: string }>;
  violations(): string[];
  /** Answer the next request(s) with this body and status, changing nothing. */
  force(answer: Dyndns2Forced): void;
  /** Answer this host with this code (e.g. "abuse", "nohost") until cleared with undefined. */
  setHostCode(host: string, code: string | undefined): void;
  close(): Promise<void>;
}

const KNOWN_QUERY = new Set(["hostname", "alias", "myip", "myipv6", "wildcard", "mx", "backmx", "offline", "system"]);
/** No-IP's User-Agent form: "NameOfProgram/Version maintainer-contact". */
const AGENT = /^\S+\/\S+ \S+/;

export async function startDyndns2Server(opts: Dyndns2ServerOptions): Promise<Dyndns2Server> {
  const path = opts.path ?? "/nic/update";
  const style = opts.style ?? "dyndns2";
  const maxHosts = opts.maxHosts ?? 20;
  const v6param = opts.ipv6Param ?? "myip";
  const dual = opts.dual ?? "kept";
  const requests: Dyndns2SeenRequest[] = [];
  const violations: string[] = [];
  const forced: Dyndns2Forced[] = [];
  const hostCodes = new Map<string, string>();
  const addrs = new Map<string, { ipv4?: string; ipv6?: string }>();
  for (const [h, a] of Object.entries(opts.addresses ?? {})) addrs.set(h.toLowerCase(), { ...a });

  type Answer = { status: number; body: string; headers?: Record<string, string> };
  const plain = (body: string, status = 200): Answer => ({ status, body });

  // How each style turns a single error word into an answer.
  const accountError = (code: string, violation?: string): Answer => {
    if (violation !== undefined) violations.push(violation);
    if (style === "infomaniak") return plain(code, 400);
    if (style === "selfhost") {
      const st: Record<string, number> = { badauth: 401, nohost: 409, notfqdn: 409, badagent: 400, numhost: 400 };
      return plain(code, st[code] ?? 400);
    }
    return plain(code);
  };

  function handle(req: IncomingMessage): Answer {
    const url = new URL(req.url ?? "/", "http://x");
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k in query) violations.push(`repeated query key ${k}`);
      query[k] = v;
    }
    const auth = req.headers["authorization"];
    let user: string | undefined;
    let pass: string | undefined;
    if (typeof auth === "string" && auth.startsWith("Basic ")) {
      const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i >= 0) {
        user = decoded.slice(0, i);
        pass = decoded.slice(i + 1);
      }
    }
    requests.push({ method: req.method ?? "", path: url.pathname, query, headers: req.headers, username: user });

    const f = forced[0];
    if (f !== undefined) {
      f.times = (f.times ?? 1) - 1;
      if (f.times <= 0) forced.shift();
      return { status: f.status ?? 200, body: f.body, ...(f.headers ? { headers: f.headers } : {}) };
    }

    if (req.method !== "GET") return accountError("badagent", `method ${req.method ?? ""} (dyndns2 is GET)`);
    if (url.pathname !== path) {
      violations.push(`path ${url.pathname}, expected ${path}`);
      return plain("not found", 404);
    }
    const agent = req.headers["user-agent"];
    if (typeof agent !== "string" || !AGENT.test(agent)) return accountError("badagent", `User-Agent ${JSON.stringify(agent ?? "")} is not "Name/Version contact"`);
    if (dual === "dynv6") return dynv6(query);
    for (const k of Object.keys(query)) {
      if (!KNOWN_QUERY.has(k) && !(k in (opts.requireQuery ?? {}))) violations.push(`unknown query key ${k}`);
    }
    for (const [k, v] of Object.entries(opts.requireQuery ?? {})) {
      if (query[k] !== v) violations.push(`query ${k}=${query[k] ?? "(absent)"}, expected ${v}`);
    }
    if (user === undefined || pass === undefined) {
      violations.push("no Basic authorization");
      return style === "dyndns2" ? { status: 401, body: "badauth", headers: { "www-authenticate": 'Basic realm="DDNS"' } } : accountError("badauth");
    }
    const account = opts.accounts.find((a) => a.username === user && a.password === pass);
    if (account === undefined) return accountError("badauth");

    const hostname = query["hostname"];
    if (hostname === undefined || hostname === "") return accountError("notfqdn", "no hostname");
    let hosts = hostname.split(",").map((h) => h.trim().toLowerCase());
    const zones = (opts.aliasZones ?? []).map((z) => z.toLowerCase());
    const alias = query["alias"];
    if (alias !== undefined) {
      if (dual !== "dynu") violations.push("alias sent to a service that does not document it");
      if (hosts.length !== 1 || !zones.includes(hosts[0] ?? "")) violations.push(`alias=${alias} with hostname=${hostname}, which is not a custom domain of the account`);
      if (alias === "" || alias.includes(",")) violations.push(`alias=${alias} is not one label path`);
      hosts = [`${alias.toLowerCase()}.${hosts[0] ?? ""}`];
    }
    // A host below a custom domain named whole (without alias): not found, as far as this mock knows.
    const needsAlias = (h: string): boolean => alias === undefined && dual === "dynu" && zones.some((z) => h.endsWith(`.${z}`));
    if (hosts.length > maxHosts) return accountError("numhost", maxHosts === 1 ? "several hosts sent to a one-host service" : `more than ${maxHosts} hosts`);

    // What the request carries per family; "keep" where the service was told to keep it.
    const sent: { ipv4?: string; ipv6?: string } = {};
    const keep = { ipv4: false, ipv6: false };
    const take = (param: string, value: string): boolean => {
      if (value === "no" && dual === "dynu") {
        keep[param === "myip" ? "ipv4" : "ipv6"] = true;
        return true;
      }
      const fam = isIPv4(value) ? "ipv4" : isIPv6(value) ? "ipv6" : undefined;
      if (fam === undefined) {
        violations.push(`${param}=${value} is not an address`);
        return false;
      }
      if (param === v6param && v6param !== "myip" && fam !== "ipv6") violations.push(`${param}=${value} is not IPv6`);
      if (param === "myip" && v6param !== "myip" && fam === "ipv6") violations.push(`IPv6 ${value} sent in myip, expected ${v6param}`);
      if (sent[fam] !== undefined) violations.push(`two ${fam} addresses`);
      sent[fam] = value;
      return true;
    };
    const myip = query["myip"];
    if (myip !== undefined) for (const a of myip.split(",")) take("myip", a);
    if (v6param !== "myip" && query[v6param] !== undefined) take(v6param, query[v6param] ?? "");
    if (sent.ipv4 === undefined && sent.ipv6 === undefined) {
      violations.push(myip === undefined ? "no myip (the server would guess from the connection)" : "no usable address");
      return plain(hosts.map(() => "good 127.0.0.1").join("\n"));
    }
    if (sent.ipv4 !== undefined && sent.ipv6 !== undefined) {
      if (dual === "he") return plain(hosts.map(() => "badip").join("\n"));
      if (dual === "selfhost") return accountError("abuse");
      if (dual === "kept") violations.push("both families in one request to a service that does not document it");
    }
    // A family the request leaves out: deleted (Dyn), filled from the source address (No-IP, Dynu), or kept.
    const source = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    const sourceFamily = isIPv4(source) ? "ipv4" : "ipv6";

    const lines: string[] = [];
    let status = 200;
    let changed = false;
    for (const h of hosts) {
      const forcedCode = hostCodes.get(h);
      if (forcedCode !== undefined) {
        lines.push(forcedCode);
        continue;
      }
      if (!/^([a-z0-9-]+\.)+[a-z0-9-]+$/.test(h)) {
        lines.push("notfqdn");
        if (style === "infomaniak") status = 400;
        continue;
      }
      if (!account.hosts.map((x) => x.toLowerCase()).includes(h) || needsAlias(h)) {
        lines.push("nohost");
        if (style === "infomaniak") status = 400;
        if (style === "selfhost") status = 409;
        continue;
      }
      const cur = addrs.get(h) ?? {};
      let hostChanged = false;
      for (const fam of ["ipv4", "ipv6"] as const) {
        const want = sent[fam];
        if (want !== undefined) {
          if (cur[fam] !== want) hostChanged = true;
          cur[fam] = want;
        } else if (!keep[fam]) {
          if (dual === "dyn" && cur[fam] !== undefined) {
            delete cur[fam];
            hostChanged = true;
          } else if ((dual === "noip" || dual === "dynu") && fam === sourceFamily && cur[fam] !== source) {
            cur[fam] = source;
            hostChanged = true;
          }
        }
      }
      addrs.set(h, cur);
      const echo = [sent.ipv4, sent.ipv6].filter((a) => a !== undefined).join(",");
      lines.push(`${hostChanged ? "good" : "nochg"} ${echo}`);
      changed ||= hostChanged;
    }
    if (style === "selfhost" && status === 200 && !changed) return plain("", 204);
    return plain(lines.join("\n"), status);
  }

  /** dynv6's Update API (https://dynv6.com/docs/apis): zone + token, ipv4/ipv6 optional, an unset family kept. */
  function dynv6(query: Record<string, string>): Answer {
    for (const k of Object.keys(query)) {
      if (!["zone", "token", "ipv4", "ipv6", "ipv6prefix"].includes(k)) violations.push(`unknown query key ${k}`);
    }
    const zone = (query["zone"] ?? "").toLowerCase();
    const account = opts.accounts.find((a) => a.password === query["token"]);
    if (account === undefined) return plain("invalid authentication token", 401);
    if (!account.hosts.includes(zone)) return plain("zone not found", 404);
    const v4 = query["ipv4"];
    const v6 = query["ipv6"];
    if (v4 === undefined && v6 === undefined) violations.push("neither ipv4 nor ipv6 (nothing to update)");
    if (v4 !== undefined && !isIPv4(v4)) violations.push(`ipv4=${v4} is not IPv4`);
    if (v6 !== undefined && !isIPv6(v6.replace(/\/\d+$/, ""))) violations.push(`ipv6=${v6} is not IPv6`);
    const cur = addrs.get(zone) ?? {};
    let changed = false;
    if (v4 !== undefined && cur.ipv4 !== v4) { cur.ipv4 = v4; changed = true; }
    if (v6 !== undefined && cur.ipv6 !== v6) { cur.ipv6 = v6; changed = true; }
    addrs.set(zone, cur);
    return plain(changed ? "addresses updated" : "addresses unchanged");
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      const a = handle(req);
      const send = (): void => {
        res.writeHead(a.status, { "content-type": "text/plain; charset=utf-8", ...(a.headers ?? {}) });
        res.end(a.body);
      };
      if (opts.delayMs) setTimeout(send, opts.delayMs);
      else send();
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    requests,
    count: () => requests.length,
    addresses: () => Object.fromEntries([...addrs].map(([h, a]) => [h, { ...a }])),
    violations: () => [...violations],
    force: (a) => void forced.push({ ...a }),
    setHostCode: (h, code) => {
      if (code === undefined) hostCodes.delete(h.toLowerCase());
      else hostCodes.set(h.toLowerCase(), code);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
