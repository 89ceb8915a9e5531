/**
 * ddclient.conf -> ddns.toml (`ddns import ddclient`). Pure: the command writes the
 * secrets and prints; this decides what carries over and says why the rest does not.
 *
 * What ddclient keeps per host, ddns keeps in three places: how an address is found
 * is per family ([ipv4]/[ipv6], for every record), the account is a
 * [providers.NAME] table (hosts with the same protocol, server and credentials share
 * one), and each host is a [[records]] entry.
 */
import { normalizeHostname } from "../config/values.js";
import { providerSpec } from "../provider/registry.js";
import { parseDdclient, type DdclientHost } from "./ddclient-parse.js";

/** One secret moved out of the config into a credential file. */
export interface MovedSecret {
  /** Credential name (the file's name; `K_credential = "name"` in the TOML). */
  name: string;
  value: string;
}

export interface NotCarried {
  /** `option=value` as it appeared (a secret's value is never shown), or `host NAME`. */
  what: string;
  reason: string;
}

export interface Conversion {
  /** The ddns.toml text; holds no secret, only `*_credential` references. */
  toml: string;
  secrets: MovedSecret[];
  notCarried: NotCarried[];
  /** Records written. */
  records: number;
}

type Family = "ipv4" | "ipv6";

interface Source {
  sources: string[];
  interfaces?: string[];
  urls?: string[];
  address?: string;
  command?: string[];
  from: string;
}

/** dyndns2 servers ddns knows by another type (their preset has the quirks right). */
const DYNDNS2_SERVERS: Record<string, string> = {
  "members.dyndns.org": "dyndns",
  "dynupdate.no-ip.com": "noip",
  "api.dynu.com": "dynu",
  "dyn.dns.he.net": "he",
  "www.ovh.com": "ovh",
  "dyndns.strato.com": "strato",
  "infomaniak.com": "infomaniak",
  "updates.dnsomatic.com": "dnsomatic",
  "carol.selfhost.de": "selfhost",
  "dyndns.kasserver.com": "allinkl",
  "dyndns.loopia.se": "loopia",
  "dns.loopia.se": "loopia",
  "dynv6.com": "dynv6",
};

/** ddclient's built-in `web=` names: pages ddns does not read (HTML, or gone); its own echo URLs stand in. */
const BUILTIN_WEB = /^(dyndns|googledomains|loopia|he|ip4only\.me|ip6only\.me|nsupdate\.info-ipv[46]|noip-ipv[46]|zoneedit|dnsomatic|freedns|ipify-ipv[46]|myonlineportal|cloudflare)$/;

/** Options that only ddclient's daemon loop, its mailer or its logs use. */
const DAEMON_ONLY: Record<string, string> = {
  daemon: "ddns does not poll: ddns.path starts it on network events and ddns.timer is the safety net",
  foreground: "ddns runs as a systemd oneshot",
  pid: "ddns keeps its lock on /run/ddns",
  cache: "ddns keeps its state in /var/lib/ddns/state.json",
  syslog: "ddns logs to the journal (one line per transition)",
  facility: "ddns logs to the journal",
  priority: "ddns logs to the journal with a priority per transition",
  mail: "use [notify] command (for instance a mail command) or url",
  "mail-failure": "use [notify] command or fail_url",
  "max-warn": "ddns logs each transition once",
  postscript: "use [notify] command = [...] (argv, the transition on stdin and in the environment)",
  quiet: "no equivalent",
  verbose: "no equivalent",
  debug: "no equivalent",
  test: "use ddns run --dry-run",
  force: "use ddns run --force",
  exec: "no equivalent",
  retry: "ddns keeps its own backoff in state",
  timeout: "ddns has per-source timeouts ([ipv4] timeout) and a run deadline",
  "min-interval": "ddns decides when to push from the address and its own backoff",
  "min-error-interval": "ddns backs off on failures by itself",
  proxy: "ddns does not use an HTTP proxy",
  curl: "ddns has its own HTTP client",
  ssl: "ddns always uses https:// to a provider",
  "ssl_ca_dir": "ddns uses the system's CA store",
  "ssl_ca_file": "ddns uses the system's CA store",
  "web-ssl-validate": "ddns always validates certificates",
  "fw-ssl-validate": "ddns always validates certificates",
  geturl: "no equivalent",
  file: "no equivalent",
  wildcard: "ddns updates the named record only (create a wildcard CNAME at the provider)",
  mx: "ddns updates address records only",
  backupmx: "ddns updates address records only",
  static: "ddns updates address records only",
  custom: "ddns updates address records only",
};

/** Options each carried protocol reads; the rest of a host's options is reported. */
const USED = new Set(["protocol", "server", "login", "password", "zone", "ttl", "use", "usev4", "usev6", "ip", "ipv4", "ipv6", "if", "ifv4", "ifv6", "web", "webv4", "webv6", "cmd", "cmdv4", "cmdv6", "web-skip", "webv4-skip", "webv6-skip", "cmd-skip", "max-interval", "script", "apikey", "secretapikey", "use-personal-access-token"]);

export function convertDdclient(text: string, from: string, credentialsDir: string): Conversion {
  const parsed = parseDdclient(text);
  const notCarried: NotCarried[] = parsed.warnings.map((w) => ({ what: "(syntax)", reason: w }));
  const seen = new Set<string>();
  const report = (what: string, reason: string) => {
    const key = `${what}\u0000${reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      notCarried.push({ what, reason });
    }
  };
  const shown = (k: string, v: string) => (/password|secret|apikey|token/.test(k) ? `${k}=(secret)` : `${k}=${hideUserinfo(v)}`);
  // Globals that affect no host still deserve a word (daemon=300 and friends).
  for (const [k, v] of Object.entries(parsed.globals)) {
    if (DAEMON_ONLY[k] !== undefined) report(shown(k, v), DAEMON_ONLY[k]);
  }

  const families: Partial<Record<Family, Source>> = {};
  const providers = new Map<string, { name: string; lines: string[] }>();
  const secrets: MovedSecret[] = [];
  const records: string[] = [];
  const names = new Set<string>();
  const wanted = new Set<Family>();

  for (const h of parsed.hosts) {
    const o = h.options;
    for (const [k, v] of Object.entries(o)) {
      if (USED.has(k)) continue;
      report(shown(k, v), DAEMON_ONLY[k] ?? "ddns has no such option");
    }
    const provider = providerFor(h, report);
    if (provider === undefined) continue;
    const hn = normalizeHostname(provider.host, { wildcard: true, minLabels: 2 });
    if (!hn.ok) {
      report(`host ${h.host}`, `not carried: ${hn.reason}`);
      continue;
    }
    const fqdn = hn.name;
    if (names.has(fqdn)) {
      report(`host ${h.host}`, "listed again: ddns keeps the first definition");
      continue;
    }
    names.add(fqdn);
    const fams = familiesFor(o, report);
    const can = providerSpec(provider.type)?.families ?? ["ipv4", "ipv6"];
    for (const f of fams.families.filter((x) => !can.includes(x))) report(`host ${h.host} (${f})`, `provider type "${provider.type}" cannot update ${f} records`);
    fams.families = fams.families.filter((x) => can.includes(x));
    if (fams.families.length === 0) continue;
    for (const f of fams.families) wanted.add(f);
    for (const f of fams.families) {
      const src = fams.sources[f];
      if (src === undefined) continue;
      const have = families[f];
      if (have === undefined) families[f] = src;
      else if (JSON.stringify({ ...have, from: "" }) !== JSON.stringify({ ...src, from: "" })) {
        report(`${src.from} (host ${h.host})`, `ddns finds each family's address one way for every record; kept ${have.from}`);
      }
    }
    // One provider table per distinct account.
    const key = JSON.stringify([provider.type, provider.keys, provider.secrets]);
    let entry = providers.get(key);
    if (entry === undefined) {
      const base = provider.type;
      let name = base;
      for (let n = 2; [...providers.values()].some((p) => p.name === name); n++) name = `${base}${n}`;
      const lines = [`[providers.${name}]`, `type = ${str(provider.type)}`];
      for (const [k, v] of provider.keys) lines.push(`${k} = ${typeof v === "number" ? String(v) : str(v)}`);
      for (const [k, v] of provider.secrets) {
        const cred = `ddns-${name}-${k.replace(/_/g, "-")}`;
        secrets.push({ name: cred, value: v });
        lines.push(`${k}_credential = ${str(cred)}`);
      }
      entry = { name, lines };
      providers.set(key, entry);
    }
    const rec = ["[[records]]", `name = ${str(fqdn)}`, `provider = ${str(entry.name)}`, `families = [${fams.families.map(str).join(", ")}]`];
    if (provider.ttl !== undefined) rec.push(`ttl = ${provider.ttl}`);
    records.push(rec.join("\n"));
  }

  const out: string[] = [`# Imported from ${from} by "ddns import ddclient". Check it with: ddns check --config FILE`];
  if (secrets.length > 0) {
    out.push("# Secrets were moved to credential files; ddns.service needs them (systemctl edit ddns.service):");
    out.push("#   [Service]");
    for (const s of secrets) out.push(`#   LoadCredential=${s.name}:${credentialsDir}/${s.name}`);
  }
  for (const f of ["ipv4", "ipv6"] as const) {
    const s = families[f];
    out.push("");
    out.push(`[${f}]`);
    if (s === undefined) {
      out.push(records.length > 0 && !wanted.has(f) ? "enabled = false" : `# the defaults: sources = ["event", "interface"]`);
      continue;
    }
    out.push(`# from ${s.from}`);
    out.push(`sources = [${s.sources.map(str).join(", ")}]`);
    if (s.interfaces) out.push(`interfaces = [${s.interfaces.map(str).join(", ")}]`);
    if (s.urls) out.push(`urls = [${s.urls.map(str).join(", ")}]`);
    if (s.address !== undefined) out.push(`address = ${str(s.address)}`);
    if (s.command) out.push(`command = [${s.command.map(str).join(", ")}]`);
  }
  for (const p of providers.values()) out.push("", ...p.lines);
  for (const r of records) out.push("", r);
  return { toml: `${out.join("\n")}\n`, secrets, notCarried, records: records.length };
}

interface ProviderPlan {
  type: string;
  host: string;
  keys: [string, string | number][];
  secrets: [string, string][];
  ttl?: number;
}

function providerFor(h: DdclientHost, report: (what: string, reason: string) => void): ProviderPlan | undefined {
  const o = h.options;
  const protocol = (o["protocol"] ?? "dyndns2").toLowerCase();
  const server = (o["server"] ?? "").replace(/^https?:\/\//, "").replace(/\/+$/, "");
  const login = o["login"];
  const password = o["password"];
  const keys: [string, string | number][] = [];
  const secrets: [string, string][] = [];
  const skip = (reason: string) => {
    report(`host ${h.host} (protocol=${protocol})`, reason);
    return undefined;
  };
  const needPassword = (key: string) => {
    if (password === undefined || password === "") return false;
    secrets.push([key, password]);
    return true;
  };
  let ttl: number | undefined;
  if (o["ttl"] !== undefined) {
    const t = Number(o["ttl"]);
    if (Number.isInteger(t) && t >= 1 && t <= 86400) ttl = t;
    else report(`ttl=${o["ttl"]}`, "not a number of seconds between 1 and 86400 (ddclient's 3h style is not read)");
  }
  let host = h.host;
  let type: string;
  switch (protocol) {
    case "dyndns2":
    case "noip": {
      const srv = server || (protocol === "noip" ? "dynupdate.no-ip.com" : "members.dyndns.org");
      const known = DYNDNS2_SERVERS[srv.toLowerCase()];
      type = known ?? "dyndns2";
      if (known === undefined) keys.push(["endpoint", `https://${srv}`]);
      const script = o["script"];
      if (script !== undefined && script !== "/nic/update" && type === "dyndns2") {
        report(`script=${script}`, `ddns sends dyndns2 requests to <endpoint>/nic/update; check that ${srv} answers there`);
      }
      if (login !== undefined && login !== "") keys.push(["username", login]);
      if (!needPassword("password")) return skip("no password= for it");
      ttl = undefined;
      if (o["ttl"] !== undefined) report(`ttl=${o["ttl"]}`, "the dyndns2 protocol takes no TTL");
      break;
    }
    case "cloudflare": {
      type = "cloudflare";
      if (login !== undefined && login !== "" && login !== "token") {
        return skip("uses the global API key with an e-mail login; ddns takes an API token (Zone.DNS edit): create one and run ddns setup");
      }
      if (o["zone"]) keys.push(["zone", o["zone"]]);
      if (!needPassword("token")) return skip("no password= (the API token) for it");
      if (ttl === 1) ttl = undefined; // Cloudflare's "automatic": what ddns leaves alone anyway
      break;
    }
    case "duckdns": {
      type = "duckdns";
      if (!host.includes(".")) host = `${host}.duckdns.org`;
      if (!needPassword("token")) return skip("no password= (the token) for it");
      break;
    }
    case "namecheap": {
      type = "namecheap";
      if (!login) return skip("no login= (the domain) for it");
      keys.push(["domain", login]);
      if (host !== login && !host.endsWith(`.${login}`)) host = host === "@" ? login : `${host}.${login}`;
      if (!needPassword("password")) return skip("no password= (the Dynamic DNS password) for it");
      break;
    }
    case "gandi": {
      type = "gandi";
      if (o["zone"]) keys.push(["zone", o["zone"]]);
      const pat = /^(1|yes|true)$/i.test(o["use-personal-access-token"] ?? "");
      if (!needPassword(pat ? "token" : "api_key")) return skip("no password= for it");
      break;
    }
    case "godaddy": {
      type = "godaddy";
      if (o["zone"]) keys.push(["zone", o["zone"]]);
      if (!login) return skip("no login= (the API key) for it");
      secrets.push(["key", login]);
      if (!needPassword("secret")) return skip("no password= (the API secret) for it");
      break;
    }
    case "porkbun": {
      type = "porkbun";
      const api = o["apikey"] ?? login;
      const secret = o["secretapikey"] ?? password;
      if (!api || !secret) return skip("no apikey= and secretapikey= for it");
      secrets.push(["apikey", api], ["secretapikey", secret]);
      break;
    }
    case "hetzner":
    case "digitalocean": {
      type = protocol;
      if (o["zone"]) keys.push(["zone", o["zone"]]);
      if (!needPassword("token")) return skip("no password= (the API token) for it");
      if (protocol === "hetzner") report(`host ${h.host} (protocol=hetzner)`, "ddns speaks Hetzner's Cloud API: a dns.hetzner.com token does not work there; create a Cloud project token");
      break;
    }
    case "ovh": {
      type = "ovh";
      if (login) keys.push(["username", login]);
      if (!needPassword("password")) return skip("no password= for it");
      break;
    }
    case "nsupdate":
      return skip("uses nsupdate(1) with a key file: configure type = \"rfc2136\" with server, zone, key_name and key_secret_file (see ddns providers)");
    case "cloudns":
      return skip("ddclient uses a dynamic URL; ddns speaks ClouDNS's API (auth_id and password): see ddns providers");
    case "freedns":
      return skip("ddclient logs in with the account password; ddns takes the record's update token: type = \"freedns\", token_file");
    default:
      return skip(`ddns has no provider for ddclient's protocol "${protocol}" (ddns providers lists the types)`);
  }
  const plan: ProviderPlan = { type, host, keys, secrets };
  if (ttl !== undefined) plan.ttl = ttl;
  if (o["max-interval"] !== undefined) report(`max-interval=${o["max-interval"]}`, "ddns refreshes unchanged records every refresh_days (25 for dyndns2 services)");
  return plan;
}

/** Which families a host updates and how ddclient finds each address. */
function familiesFor(o: Record<string, string>, report: (what: string, reason: string) => void): { families: Family[]; sources: Partial<Record<Family, Source>> } {
  const sources: Partial<Record<Family, Source>> = {};
  const v4 = o["usev4"] ?? (o["usev6"] === undefined || o["use"] !== undefined ? o["use"] : undefined);
  const v6 = o["usev6"];
  const legacyV6 = o["usev6"] === undefined && /^(1|yes|true)$/i.test(o["ipv6"] ?? "");
  if (v4 !== undefined && v4 !== "disabled") {
    const s = sourceFrom("ipv4", v4, o, o["usev4"] !== undefined ? "usev4" : "use", report);
    if (s && !legacyV6) sources.ipv4 = s;
    else if (s && legacyV6) sources.ipv6 = { ...s, from: `${s.from} with ipv6=yes` };
  }
  if (v6 !== undefined && v6 !== "disabled") {
    const s = sourceFrom("ipv6", v6, o, "usev6", report);
    if (s) sources.ipv6 = s;
  }
  let families = (["ipv4", "ipv6"] as const).filter((f) => sources[f] !== undefined);
  // No usable method given: ddns's defaults find the address (event and interface).
  if (families.length === 0) families = legacyV6 ? ["ipv6"] : ["ipv4"];
  return { families: [...families], sources };
}

function sourceFrom(f: Family, use: string, o: Record<string, string>, opt: string, report: (what: string, reason: string) => void): Source | undefined {
  const sfx = f === "ipv4" ? "v4" : "v6";
  const method = use.toLowerCase().replace(/v[46]$/, "");
  const pick = (base: string) => o[`${base}${sfx}`] ?? o[base];
  switch (method) {
    case "if": {
      const iface = pick("if") ?? "ppp0";
      if (iface === "default") return { sources: ["event", "interface"], from: `${opt}=${use}` };
      return { sources: ["event", "interface"], interfaces: [iface], from: `${opt}=${use}, if=${iface}` };
    }
    case "web": {
      const web = pick("web") ?? "dyndns";
      if (hideUserinfo(web) !== web) {
        // A user name and password in the URL are secrets: never shown, never carried.
        report(`web=${hideUserinfo(web)}`, "the URL holds a user name and password, which ddns's http source does not send; ddns's own echo services are used");
        return { sources: ["event", "interface", "http"], from: `${opt}=${use} (ddns's own echo services)` };
      }
      const skip = pick("web-skip");
      if (skip) report(`web=${web}, web-skip=${skip}`, "that page needs text skipped before the address; ddns reads only echo services that answer with the bare address (or Cloudflare's trace), so its own are used");
      if (skip || BUILTIN_WEB.test(web) || /^(https?:\/\/)?checkip\.dyndns\.(org|com)\b/.test(web)) {
        return { sources: ["event", "interface", "http"], from: `${opt}=${use}, web=${web} (ddns's own echo services)` };
      }
      const url = /^https?:\/\//.test(web) ? web : `https://${web}`;
      if (url.startsWith("http://")) report(`web=${web}`, "ddns asks echo services over https:// only; the URL was changed to https://");
      return { sources: ["event", "interface", "http"], urls: [url.replace(/^http:\/\//, "https://")], from: `${opt}=${use}, web=${web}` };
    }
    case "ip": {
      const ip = pick("ip");
      if (!ip) {
        report(`${opt}=${use}`, "no ip= given; ddns's defaults find the address");
        return undefined;
      }
      return { sources: ["static"], address: ip, from: `${opt}=${use}, ip=${ip}` };
    }
    case "cmd": {
      const cmd = pick("cmd");
      if (!cmd) {
        report(`${opt}=${use}`, "no cmd= given");
        return undefined;
      }
      if (pick("cmd-skip")) report(`cmd-skip=${pick("cmd-skip")}`, "ddns's command source takes the command's output as the address; let the command print only the address");
      return { sources: ["command"], command: ["/bin/sh", "-c", cmd], from: `${opt}=${use}, cmd=${cmd}` };
    }
    case "fw":
    default:
      report(`${opt}=${use}`, "ddns does not scrape a router's status page; use the http source, or let the router call ddns-push (man ddns.8, ROUTER PUSH)");
      return { sources: ["event", "interface", "http"], from: `${opt}=${use} (replaced by ddns's own echo services)` };
  }
}

/** A TOML basic string. */
function str(s: string): string {
  return JSON.stringify(s).replace(/[\u007f]/g, "\\u007f");
}

/** A URL-like value with any `user:password@` before the host replaced (a proxy=, web= or fw= URL may hold one). */
function hideUserinfo(v: string): string {
  // With a scheme, any userinfo; without one, only `user:password@` (mail=root@host stays).
  return v.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1(secret)@").replace(/^[^/@\s:]+:[^/@\s]*@/, "(secret)@");
}
