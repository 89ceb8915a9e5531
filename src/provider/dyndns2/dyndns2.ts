import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "../types.js";
import type { HttpResponse } from "../../net/types.js";
import { DdnsError } from "../../errors.js";
import { dyndns2Preset, type Dyndns2Class, type Dyndns2Preset } from "./spec.js";
import { baseUrl, canonical, excerpt, retryAfterMs } from "../kit/rest.js";

/**
 * dyndns2 (notes/providers.md §1, facts.md): `GET <endpoint>/nic/update?hostname=
 * h1,h2&myip=IP`, Basic auth, a User-Agent naming ddns. Hosts of one table that need
 * the same address of one family share a request where the service allows it; the
 * answer is read from the body whatever the HTTP status, one line per host in
 * request order, or one line for the whole request (account or system errors).
 */

/**
 * Dyn's codes that need a person: what the service said about the host, and what to
 * do. `{h}` is the host, `{t}` the config table.
 */
const PERMANENT: Record<string, string> = {
  badauth: "refused the username or password for {h}: check username and password in {t}",
  "!donator": "says updating {h} needs a paid account",
  notfqdn: "says {h} is not a fully-qualified domain name: check the record name",
  nohost: "says {h} is not in this account: check the record name, and username in {t}",
  numhost: "refused the request for {h}: too many hosts in one request, or a round-robin host",
  abuse: "blocked {h} for abuse: unblock it in the account, then change {t} to try again",
  badagent: "refused ddns's User-Agent when updating {h}",
  "!yours": "says {h} belongs to another account: check username in {t}",
  badsys: "refused the system parameter sent for {h}",
  "!active": "says {h} or its account is not active",
};
/** Retry no sooner than 30 minutes (Dyn and No-IP ask this for 911). */
export const DYNDNS2_SERVER_TROUBLE_MS = 30 * 60_000;
const TROUBLE = new Set(["911", "dnserr"]);
const MAX_HOSTS = 20;

export function createDyndns2(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const preset = dyndns2Preset(settings.type);
  if (preset === undefined) throw new DdnsError("INTERNAL", `provider ${settings.name}: ${settings.type} is not a dyndns2 type`);
  return new Dyndns2Provider(settings, deps, preset);
}

interface Group {
  family: RecordUpdate["family"];
  address: string;
  updates: RecordUpdate[];
}

class Dyndns2Provider implements DnsProvider {
  private readonly url: string;
  private readonly password: string;
  private readonly username: string | undefined;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly deps: ProviderDeps,
    private readonly preset: Dyndns2Preset,
  ) {
    this.url = baseUrl(settings, preset.endpoint) + (preset.path === "/" ? "/" : preset.path);
    const pw = settings.values["password"];
    if (typeof pw !== "string") throw new DdnsError("INTERNAL", `provider ${settings.name}: ${settings.type} needs a password`);
    this.password = pw;
    const user = settings.values["username"];
    this.username = typeof user === "string" && user !== "" ? user : preset.defaultUsername;
  }

  async push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    const out = new Map<string, PushOutcome>();
    for (const u of updates) {
      if (u.addresses.length === 0) out.set(u.key, { kind: "transient", reason: `no address to publish for ${u.name}` });
    }
    for (const g of this.groups(updates)) {
      if (signal.aborted) {
        for (const u of g.updates) out.set(u.key, { kind: "transient", reason: `the update of ${u.name} was cancelled` });
        continue;
      }
      const outcomes = await this.send(g, signal);
      g.updates.forEach((u, i) => {
        let o = outcomes[i] ?? { kind: "transient", reason: `${this.preset.label} gave no answer for ${u.name}` };
        if (u.addresses.length > 1 && o.kind === "updated") {
          o = { ...o, message: `${this.preset.label} holds one address per family: ${u.name} got ${g.address} only` };
        }
        out.set(u.key, o);
      });
    }
    return out;
  }

  /** Requests to send: per family and address, at most 20 hosts each, one host where the service needs it. */
  private groups(updates: RecordUpdate[]): Group[] {
    const groups: Group[] = [];
    const open = new Map<string, Group>();
    for (const u of updates) {
      const address = u.addresses[0];
      if (address === undefined) continue;
      const key = `${u.family} ${address}`;
      let g = this.preset.multiHost ? open.get(key) : undefined;
      if (g === undefined || g.updates.length >= MAX_HOSTS) {
        g = { family: u.family, address, updates: [] };
        groups.push(g);
        open.set(key, g);
      }
      g.updates.push(u);
    }
    return groups;
  }

  private async send(g: Group, signal: AbortSignal): Promise<PushOutcome[]> {
    const hosts = g.updates.map((u) => u.name);
    const names = hosts.join(", ");
    const v6 = g.family === "ipv6";
    const query: Array<[string, string]> = [["hostname", hosts.join(",")]];
    if (v6 && this.preset.ipv6Extra) query.push(...this.preset.ipv6Extra);
    query.push([v6 ? (this.preset.ipv6Param ?? "myip") : "myip", g.address], ...(this.preset.extraQuery ?? []));
    const user = this.preset.usernameIsHost === true ? (this.username ?? hosts[0] ?? "") : (this.username ?? "");
    let res: HttpResponse;
    try {
      res = await this.deps.http.request({
        method: "GET",
        url: `${this.url}?${query.map(([k, v]) => `${k}=${enc(v)}`).join("&")}`,
        headers: {
          authorization: "Basic " + Buffer.from(`${user}:${this.password}`, "utf8").toString("base64"),
          "user-agent": this.deps.userAgent,
        },
        signal,
      });
    } catch (e) {
      if (!(e instanceof DdnsError)) throw e;
      return all(hosts, { kind: "transient", reason: `${this.preset.label} could not be reached to update ${names}: ${e.message}` });
    }
    return this.read(res, g, hosts);
  }

  /** One outcome per host, from the status (selfHOST) or the body's lines. */
  private read(res: HttpResponse, g: Group, hosts: string[]): PushOutcome[] {
    const names = hosts.join(", ");
    const byStatus = this.preset.statusCodes?.[res.status];
    if (byStatus !== undefined) return all(hosts, this.outcome(byStatus.cls, byStatus.hint, names, g.address, `HTTP ${res.status}`, res));
    if (res.status >= 300 && res.status < 400) {
      const where = originOf(res.headers["location"]);
      return all(hosts, {
        kind: "permanent",
        reason: `${this.preset.label} redirected the update of ${names} (HTTP ${res.status}${where ? ` to ${where}` : ""}): set endpoint in [providers.${this.settings.name}]`,
      });
    }
    const lines = res.body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
    const known = lines.length > 0 && lines.every((l) => this.classOf(firstWord(l)) !== undefined);
    if (!known || (lines.length !== hosts.length && lines.length !== 1)) {
      if (res.status === 429) {
        const o: PushOutcome = { kind: "transient", reason: `${this.preset.label} is rate-limiting updates of ${names} (HTTP 429)` };
        const after = retryAfterMs(res.headers, this.deps.now());
        if (after !== undefined) o.retryAfterMs = after;
        return all(hosts, o);
      }
      if (res.status === 401 || res.status === 403) {
        return all(hosts, this.outcome("permanent", PERMANENT["badauth"] ?? "", names, g.address, `HTTP ${res.status}`, res));
      }
      const what = lines.length === 0 ? "an empty answer" : `"${excerpt(redact(lines.join(" | "), this.password), 80)}"`;
      return all(hosts, { kind: "transient", reason: `${this.preset.label} answered the update of ${names} with ${what} (HTTP ${res.status}); will try again` });
    }
    return hosts.map((host, i) => {
      const line = lines.length === 1 ? (lines[0] ?? "") : (lines[i] ?? "");
      return this.fromLine(line, host, g.address, res);
    });
  }

  private fromLine(line: string, host: string, asked: string, res: HttpResponse): PushOutcome {
    const word = firstWord(line);
    const cls = this.classOf(word) ?? "transient";
    const rest = line.slice(word.length).trim();
    if (cls === "good" && rest !== "") {
      const echoed = rest.split(/[\s,]+/).filter((t) => t !== "").map(canonical);
      if (echoed.includes("127.0.0.1") && canonical(asked) !== "127.0.0.1") {
        // Dyn: "good 127.0.0.1" means the request was ignored (a client it does not accept).
        return { kind: "permanent", reason: `${this.preset.label} ignored the update of ${host} (answered good 127.0.0.1: it refuses this client)` };
      }
      if (echoed.every(isAddressLike) && !echoed.includes(canonical(asked))) {
        return { kind: "transient", reason: `${this.preset.label} answered good ${excerpt(rest, 60)} for ${host}, not ${asked}; will try again` };
      }
    }
    const hint = this.preset.codes?.[word]?.hint ?? PERMANENT[word] ?? "";
    return this.outcome(cls, hint, host, asked, word, res);
  }

  private outcome(cls: Dyndns2Class, hint: string, names: string, asked: string, code: string | undefined, res: HttpResponse): PushOutcome {
    const tag = code === undefined ? "" : ` (${code})`;
    switch (cls) {
      case "good":
        return { kind: "updated" };
      case "nochg":
        return { kind: "unchanged" };
      case "permanent":
        return { kind: "permanent", reason: this.sentence(hint, names, tag) };
      case "transient": {
        const o: PushOutcome = {
          kind: "transient",
          reason: code !== undefined && TROUBLE.has(code)
            ? `${this.preset.label} reports server trouble${tag} for ${names}; will try again in 30 minutes or later`
            : `${this.preset.label} did not update ${names} to ${asked}${tag}${hint ? `: ${hint}` : ""}; will try again`,
        };
        const after = retryAfterMs(res.headers, this.deps.now());
        const floor = code !== undefined && TROUBLE.has(code) ? DYNDNS2_SERVER_TROUBLE_MS : 0;
        if (after !== undefined || floor > 0) o.retryAfterMs = Math.max(after ?? 0, floor);
        return o;
      }
    }
  }

  /** "No-IP says a.example.org is not in this account (nohost): check ..." */
  private sentence(hint: string, names: string, tag: string): string {
    const table = `[providers.${this.settings.name}]`;
    if (hint === "") return `${this.preset.label} refused the update of ${names}${tag}: see ${table}`;
    const filled = hint.replaceAll("{h}", names).replaceAll("{t}", table);
    const colon = filled.indexOf(": ");
    const text = colon < 0 ? `${filled}${tag}` : `${filled.slice(0, colon)}${tag}${filled.slice(colon)}`;
    return `${this.preset.label} ${text}`;
  }

  private classOf(word: string): Dyndns2Class | undefined {
    const own = this.preset.codes?.[word];
    if (own !== undefined) return own.cls;
    if (word === "good") return "good";
    if (word === "nochg") return "nochg";
    if (PERMANENT[word] !== undefined) return "permanent";
    if (TROUBLE.has(word)) return "transient";
    return undefined;
  }
}

function all(hosts: string[], o: PushOutcome): PushOutcome[] {
  return hosts.map(() => o);
}

function firstWord(line: string): string {
  return line.split(/\s+/, 1)[0] ?? "";
}

function isAddressLike(s: string): boolean {
  return /^[0-9.]+$/.test(s) || /^[0-9a-f:.]+$/i.test(s);
}

/** Query values: hostnames and addresses stay readable (commas and colons as ddclient sends them). */
function enc(v: string): string {
  return v.replace(/[^A-Za-z0-9.,:_-]/g, (c) => encodeURIComponent(c));
}

function originOf(location: string | undefined): string {
  if (location === undefined) return "";
  try {
    const u = new URL(location);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "";
  }
}

function redact(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join("[password]");
}
