import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIPv4, isIPv6 } from "node:net";

/**
 * A strict loopback dyndns2 server (Dyn's Remote Access API as No-IP, Dynu, HE,
 * OVH... run it): GET only, Basic auth, a User-Agent required, `hostname` (comma
 * list, at most 20) and `myip` required, one answer line per host in request order
 * (`good IP`, `nochg IP`, `nohost`, `notfqdn`), one line for account errors
 * (`badauth`, `badagent`, `numhost`). It remembers each host's address per family.
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

const KNOWN_QUERY = new Set(["hostname", "myip", "myipv6", "wildcard", "mx", "backmx", "offline", "system"]);

export async function startDyndns2Server(opts: Dyndns2ServerOptions): Promise<Dyndns2Server> {
  const path = opts.path ?? "/nic/update";
  const style = opts.style ?? "dyndns2";
  const maxHosts = opts.maxHosts ?? 20;
  const v6param = opts.ipv6Param ?? "myip";
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
    const agent = req.headers["user-agent"];
    if (typeof agent !== "string" || agent.trim() === "") return accountError("badagent", "no User-Agent");
    const account = opts.accounts.find((a) => a.username === user && a.password === pass);
    if (account === undefined) return accountError("badauth");

    const hostname = query["hostname"];
    if (hostname === undefined || hostname === "") return accountError("notfqdn", "no hostname");
    const hosts = hostname.split(",").map((h) => h.trim().toLowerCase());
    if (hosts.length > maxHosts) return accountError("numhost", maxHosts === 1 ? "several hosts sent to a one-host service" : `more than ${maxHosts} hosts`);

    let ip: string | undefined;
    let family: "ipv4" | "ipv6" | undefined;
    const v4 = query["myip"];
    const v6 = query[v6param];
    if (v6param !== "myip" && v6 !== undefined && v6 !== "") {
      if (!isIPv6(v6)) violations.push(`${v6param}=${v6} is not IPv6`);
      ip = v6;
      family = "ipv6";
      if (v4 !== undefined && v4 !== "no") violations.push(`myip=${v4} sent with ${v6param}`);
    } else if (v4 !== undefined && (isIPv4(v4) || (v6param === "myip" && isIPv6(v4)))) {
      ip = v4;
      family = isIPv4(v4) ? "ipv4" : "ipv6";
    } else {
      violations.push(v4 === undefined ? "no myip (the server would guess from the connection)" : `myip=${v4} is not an address`);
      return plain(hosts.map(() => "good 127.0.0.1").join("\n"));
    }

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
      if (!account.hosts.map((x) => x.toLowerCase()).includes(h)) {
        lines.push("nohost");
        if (style === "infomaniak") status = 400;
        if (style === "selfhost") status = 409;
        continue;
      }
      const cur = addrs.get(h) ?? {};
      if (cur[family] === ip) {
        lines.push(`nochg ${ip}`);
      } else {
        cur[family] = ip;
        addrs.set(h, cur);
        lines.push(`good ${ip}`);
        changed = true;
      }
    }
    if (style === "selfhost" && status === 200 && !changed) return plain("", 204);
    return plain(lines.join("\n"), status);
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
