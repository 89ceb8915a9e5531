import type { DnsProvider, ProviderCache, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "../types.js";
import type { HttpRequest, HttpResponse } from "../../net/types.js";
import type { Family } from "../../ip-source/types.js";
import { DdnsError, isDdnsError } from "../../errors.js";
import { dyndns2Preset, type Dyndns2Class, type Dyndns2Preset } from "./spec.js";
import { baseUrl, canonical, excerpt, retryAfterMs } from "../kit/rest.js";

/**
 * dyndns2 (notes/providers.md §1, facts.md): `GET <endpoint>/nic/update?hostname=
 * h1,h2&myip=IP`, Basic auth, the User-Agent of version.ts. What one request carries
 * follows each service's own dual-stack rule (Dyndns2Preset.dual): both families in
 * one request where the service takes them (and, where it deletes or refills a
 * family a request leaves out, the other family's published address goes along so
 * that it is kept), one request per family where it refuses the combined form. Hosts
 * that need the same addresses share a request where the service allows it. The
 * answer is read from the body whatever the HTTP status, one line per host in
 * request order, or one line for the whole request (account or system errors).
 * dynv6 speaks its own Update API (`/api/update?zone=&token=&ipv4=&ipv6=`).
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
  badip: "refused the address sent for {h}",
};
/** Retry no sooner than 30 minutes (No-IP's response page: "Retry the update no sooner 30 minutes"). */
export const DYNDNS2_SERVER_TROUBLE_MS = 30 * 60_000;
const TROUBLE = new Set(["911", "dnserr"]);
const MAX_HOSTS = 20;
/** Answers ddns cannot read are retried (with backoff) this many times in a row, then latched. */
export const DYNDNS2_UNKNOWN_LIMIT = 3;
/** Longest wait for a service's spacing inside one run; a longer spacing defers the rest. */
const MAX_SPACING_WAIT_MS = 10_000;

export function createDyndns2(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const preset = dyndns2Preset(settings.type);
  if (preset === undefined) throw new DdnsError("INTERNAL", `provider ${settings.name}: ${settings.type} is not a dyndns2 type`);
  return new Dyndns2Provider(settings, deps, preset);
}

/** One request: the hosts it names, the address of each family it carries, the due updates it answers. */
interface Job {
  hosts: string[];
  sent: Partial<Record<Family, string>>;
  /** Parameters that keep a family the request leaves out (Dynu's "no"). */
  keep: Array<[string, string]>;
  pin?: 4 | 6;
  /** Dynu's custom-domain form: hostname=<zone>&alias=<label> (one host per request). */
  alias?: { zone: string; label: string };
  /** Due updates per host, in `hosts` order. */
  due: RecordUpdate[][];
}

class Dyndns2Provider implements DnsProvider {
  private readonly url: string;
  private readonly password: string;
  private readonly username: string | undefined;
  private lastSent: number | undefined;

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
    const zone = settings.values["zone"];
    if (preset.alias !== undefined && typeof zone === "string" && zone !== "") this.zone = zone.toLowerCase().replace(/\.$/, "");
  }

  /** `zone` (Dynu): the custom domain whose hosts go as hostname=<zone>&alias=<label>. */
  private readonly zone: string | undefined;

  /** The alias form for a host below `zone`; undefined for the zone itself and names outside it. */
  private aliasOf(host: string): Job["alias"] {
    if (this.zone === undefined) return undefined;
    const h = host.toLowerCase().replace(/\.$/, "");
    if (!h.endsWith(`.${this.zone}`)) return undefined;
    return { zone: this.zone, label: h.slice(0, -(this.zone.length + 1)) };
  }

  async push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    const out = new Map<string, PushOutcome>();
    for (const u of updates) {
      if (u.addresses.length === 0) out.set(u.key, { kind: "transient", reason: `no address to publish for ${u.name}` });
    }
    let deferred: PushOutcome | undefined;
    for (const job of this.jobs(updates.filter((u) => u.addresses.length > 0))) {
      const mine = job.due.flat();
      if (signal.aborted) {
        for (const u of mine) out.set(u.key, { kind: "transient", reason: `the update of ${u.name} was cancelled` });
        continue;
      }
      if (deferred === undefined) deferred = await this.space(signal);
      if (deferred !== undefined) {
        for (const u of mine) out.set(u.key, { ...deferred, reason: `${this.preset.label} takes one update per ${this.preset.dual.spacingMs / 1000} s: ${u.name} waits` } as PushOutcome);
        continue;
      }
      const outcomes = await this.send(job, signal);
      job.due.forEach((us, i) => {
        for (const u of us) {
          let o = outcomes[i]?.get(u.family) ?? { kind: "transient", reason: `${this.preset.label} gave no answer for ${u.name}` };
          if (u.addresses.length > 1 && o.kind === "updated") {
            o = { ...o, message: `${this.preset.label} holds one address per family: ${u.name} got ${u.addresses[0] ?? ""} only` };
          }
          out.set(u.key, withUnknownCount(o, u));
        }
      });
    }
    return out;
  }

  /** Waits out the service's spacing since the last request, or says the rest must wait for a later run. */
  private async space(signal: AbortSignal): Promise<PushOutcome | undefined> {
    const spacing = this.preset.dual.spacingMs;
    if (spacing <= 0 || this.lastSent === undefined) return undefined;
    const left = this.lastSent + spacing - this.deps.now();
    if (left <= 0) return undefined;
    if (left > MAX_SPACING_WAIT_MS) return { kind: "transient", reason: "", retryAfterMs: left };
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
    });
    return undefined;
  }

  /**
   * The requests to send. Per host: both due families in one request where the service
   * takes them; where it deletes or refills an omitted family, the other family's
   * published address goes along (RecordUpdate.sibling), else the keep parameter or
   * a transport pinned to the family sent. Then hosts needing the same request share it.
   */
  private jobs(updates: RecordUpdate[]): Job[] {
    const dual = this.preset.dual;
    const byHost = new Map<string, RecordUpdate[]>();
    for (const u of updates) byHost.set(u.name, [...(byHost.get(u.name) ?? []), u]);
    const single: Job[] = [];
    for (const [host, us] of byHost) {
      if (dual.both === "separate") {
        for (const u of us) single.push({ hosts: [host], sent: { [u.family]: u.addresses[0] }, keep: [], due: [[u]] });
        continue;
      }
      const sent: Partial<Record<Family, string>> = {};
      for (const u of us) {
        const a = u.addresses[0];
        if (a !== undefined && sent[u.family] === undefined) sent[u.family] = a;
      }
      if (dual.omitted !== "kept") {
        for (const u of us) {
          const other = u.sibling;
          const first = other?.addresses?.[0];
          if (other !== undefined && first !== undefined && sent[other.family] === undefined) sent[other.family] = first;
        }
      }
      const job: Job = { hosts: [host], sent, keep: [], due: [us] };
      const alias = this.aliasOf(host);
      if (alias !== undefined) job.alias = alias;
      const families = Object.keys(sent) as Family[];
      if (families.length === 1 && dual.omitted === "source") {
        const only = families[0] === "ipv4" ? "ipv4" : "ipv6";
        const missing = only === "ipv4" ? "ipv6" : "ipv4";
        if (dual.keep !== undefined) job.keep.push(dual.keep[missing]);
        else if (dual.pinFamily) job.pin = only === "ipv4" ? 4 : 6;
      }
      single.push(job);
    }
    if (!this.preset.multiHost) return single;
    const merged: Job[] = [];
    const open = new Map<string, Job>();
    for (const j of single) {
      // The alias form names one host per request (hostname is the zone).
      if (j.alias !== undefined) {
        merged.push(j);
        continue;
      }
      const key = JSON.stringify([j.sent.ipv4, j.sent.ipv6, j.keep, j.pin]);
      const g = open.get(key);
      if (g !== undefined && g.hosts.length < MAX_HOSTS) {
        g.hosts.push(...j.hosts);
        g.due.push(...j.due);
      } else {
        const copy: Job = { ...j, hosts: [...j.hosts], due: [...j.due] };
        merged.push(copy);
        open.set(key, copy);
      }
    }
    return merged;
  }

  private query(job: Job): Array<[string, string]> {
    const v4 = job.sent.ipv4;
    const v6 = job.sent.ipv6;
    if (this.preset.api === "dynv6") {
      // dynv6 Update API: zone, token, ipv4, ipv6 (https://dynv6.com/docs/apis).
      const q: Array<[string, string]> = [["zone", job.hosts[0] ?? ""], ["token", this.password]];
      if (v4 !== undefined) q.push(["ipv4", v4]);
      if (v6 !== undefined) q.push(["ipv6", v6]);
      return q;
    }
    const q: Array<[string, string]> = job.alias !== undefined ? [["hostname", job.alias.zone], ["alias", job.alias.label]] : [["hostname", job.hosts.join(",")]];
    if (this.preset.dual.both === "param" && v6 !== undefined) {
      if (v4 !== undefined) q.push(["myip", v4]);
      q.push([this.preset.ipv6Param ?? "myipv6", v6]);
    } else {
      q.push(["myip", [v4, v6].filter((a) => a !== undefined).join(",")]);
    }
    q.push(...job.keep, ...(this.preset.extraQuery ?? []));
    return q;
  }

  private async send(job: Job, signal: AbortSignal): Promise<Array<Map<Family, PushOutcome>>> {
    const names = job.hosts.join(", ");
    const dynv6 = this.preset.api === "dynv6";
    const user = this.preset.usernameIsHost === true ? (this.username ?? job.hosts[0] ?? "") : (this.username ?? "");
    const headers: Record<string, string> = { "user-agent": this.deps.userAgent };
    if (!dynv6) headers["authorization"] = "Basic " + Buffer.from(`${user}:${this.password}`, "utf8").toString("base64");
    const req: HttpRequest = {
      method: "GET",
      url: `${this.url}?${this.query(job).map(([k, v]) => `${k}=${enc(v)}`).join("&")}`,
      headers,
      signal,
    };
    if (job.pin !== undefined) req.family = job.pin;
    let res: HttpResponse;
    this.lastSent = this.deps.now();
    let moved: string | undefined;
    try {
      res = await this.deps.http.request(req);
      const to = res.status >= 300 && res.status < 400 ? this.sameSite(req.url, res.headers["location"]) : undefined;
      if (to !== undefined) {
        // Once, to the same scheme and the endpoint's own host or a subdomain of it (Infomaniak's www.).
        moved = originOf(to);
        res = await this.deps.http.request({ ...req, url: to });
      }
    } catch (e) {
      if (!isDdnsError(e)) throw e;
      return this.every(job, { kind: "transient", reason: `${this.preset.label} could not be reached to update ${names}: ${e.message}` });
    }
    const out = dynv6 ? this.readDynv6(res, job) : this.read(res, job);
    if (moved === undefined) return out;
    const note = `${this.preset.label} redirected the update of ${names} to ${moved}: set endpoint = "${moved}" in [providers.${this.settings.name}] to save the extra request`;
    return out.map((m) => new Map([...m].map(([f, o]) => [f, o.kind === "updated" ? { ...o, message: o.message ?? note } : o])));
  }

  /** The absolute URL a redirect may be followed to (sameSiteRedirect presets only), else undefined. */
  private sameSite(from: string, location: string | undefined): string | undefined {
    if (this.preset.sameSiteRedirect === undefined || location === undefined) return undefined;
    try {
      const a = new URL(from);
      const b = new URL(location, from);
      const host = a.hostname.toLowerCase();
      const to = b.hostname.toLowerCase();
      if (a.protocol !== b.protocol || (to !== host && !to.endsWith(`.${host}`))) return undefined;
      if (b.username !== "" || b.password !== "") return undefined;
      return b.href;
    } catch {
      return undefined;
    }
  }

  private every(job: Job, o: PushOutcome): Array<Map<Family, PushOutcome>> {
    return job.hosts.map(() => new Map<Family, PushOutcome>([["ipv4", o], ["ipv6", o]]));
  }

  /** One outcome per host and family, from the status (selfHOST) or the body's lines. */
  private read(res: HttpResponse, job: Job): Array<Map<Family, PushOutcome>> {
    const names = job.hosts.join(", ");
    const asked = Object.values(job.sent).join(",");
    const byStatus = this.preset.statusCodes?.[res.status];
    if (byStatus !== undefined) return this.every(job, this.outcome(byStatus.cls, byStatus.hint, names, asked, `HTTP ${res.status}`, res));
    if (res.status >= 300 && res.status < 400) return this.every(job, this.redirected(res, names));
    const lines = res.body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
    const known = lines.length > 0 && lines.every((l) => this.classOf(firstWord(l)) !== undefined);
    if (!known || (lines.length !== job.hosts.length && lines.length !== 1)) {
      if (res.status === 429) {
        const o: PushOutcome = { kind: "transient", reason: `${this.preset.label} is rate-limiting updates of ${names} (HTTP 429)` };
        const after = retryAfterMs(res.headers, this.deps.now());
        if (after !== undefined) o.retryAfterMs = after;
        return this.every(job, o);
      }
      if (res.status === 401 || res.status === 403) {
        return this.every(job, this.outcome("permanent", PERMANENT["badauth"] ?? "", names, asked, `HTTP ${res.status}`, res));
      }
      return this.every(job, this.unknown(lines.join(" | "), res.status, names));
    }
    return job.hosts.map((host, i) => {
      const line = lines.length === 1 ? (lines[0] ?? "") : (lines[i] ?? "");
      return this.fromLine(line, host, job, res);
    });
  }

  private redirected(res: HttpResponse, names: string): PushOutcome {
    const where = originOf(res.headers["location"]);
    return {
      kind: "permanent",
      reason: `${this.preset.label} redirected the update of ${names} (HTTP ${res.status}${where ? ` to ${where}` : ""}): set endpoint in [providers.${this.settings.name}] to where it points`,
    };
  }

  /** An answer ddns cannot read: retried with backoff, at most DYNDNS2_UNKNOWN_LIMIT times in a row (withUnknownCount). */
  private unknown(text: string, status: number, names: string): PushOutcome {
    const what = text === "" ? "an empty answer" : `"${excerpt(redact(text, this.password), 80)}"`;
    return { kind: "transient", reason: `${this.preset.label} answered the update of ${names} with ${what} (HTTP ${status}), which ddns does not know`, cache: { unknown: "1" } };
  }

  private fromLine(line: string, host: string, job: Job, res: HttpResponse): Map<Family, PushOutcome> {
    const word = firstWord(line);
    const cls = this.classOf(word) ?? "transient";
    const rest = line.slice(word.length).trim();
    const asked = Object.values(job.sent).join(",");
    const out = new Map<Family, PushOutcome>();
    const echoed = rest.split(/[\s,]+/).filter((t) => t !== "").map(canonical);
    for (const family of ["ipv4", "ipv6"] as const) {
      const sent = job.sent[family];
      if ((cls === "good" || cls === "nochg") && sent !== undefined && echoed.length > 0 && echoed.every(isAddressLike)) {
        if (echoed.includes("127.0.0.1") && canonical(sent) !== "127.0.0.1" && cls === "good") {
          // Dyn: "good 127.0.0.1" means the request was ignored (a client it does not accept).
          out.set(family, { kind: "permanent", reason: `${this.preset.label} ignored the update of ${host} (answered good 127.0.0.1: it refuses this client)` });
          continue;
        }
        const mine = echoed.filter((a) => (a.includes(":") ? "ipv6" : "ipv4") === family);
        if (mine.length > 0 && !mine.includes(canonical(sent))) {
          // Resending would be abuse (dyndns2 services block clients that resend): record it, hold.
          out.set(family, {
            kind: "held",
            answered: mine,
            reason: `${this.preset.label} answered ${word} ${mine.join(",")} for ${host} after ddns sent ${sent}`,
          });
          continue;
        }
      }
      const hint = this.preset.codes?.[word]?.hint ?? PERMANENT[word] ?? "";
      out.set(family, this.outcome(cls, hint, host, sent ?? asked, word, res));
    }
    return out;
  }

  /** dynv6's Update API: the HTTP status says it; the body is a short sentence. */
  private readDynv6(res: HttpResponse, job: Job): Array<Map<Family, PushOutcome>> {
    const names = job.hosts.join(", ");
    const text = excerpt(redact(res.body, this.password), 80);
    const table = `[providers.${this.settings.name}]`;
    if (res.status >= 200 && res.status < 300) {
      return this.every(job, /unchanged/i.test(res.body) ? { kind: "unchanged" } : { kind: "updated" });
    }
    if (res.status === 401 || res.status === 403) {
      return this.every(job, { kind: "permanent", reason: `dynv6 refused the token for ${names} (HTTP ${res.status}: ${text}): check password (the zone's HTTP token) in ${table}` });
    }
    if (res.status === 404) {
      return this.every(job, { kind: "permanent", reason: `dynv6 knows no zone ${names} for this token (HTTP 404: ${text}): the record name must be the dynv6 zone` });
    }
    if (res.status >= 300 && res.status < 400) return this.every(job, this.redirected(res, names));
    if (res.status === 429 || res.status >= 500) {
      const o: PushOutcome = { kind: "transient", reason: `dynv6 failed to update ${names} (HTTP ${res.status}); will try again` };
      const after = retryAfterMs(res.headers, this.deps.now());
      if (after !== undefined) o.retryAfterMs = after;
      return this.every(job, o);
    }
    if (res.status === 400) return this.every(job, { kind: "permanent", reason: `dynv6 refused the update of ${names} as malformed (HTTP 400: ${text})` });
    return this.every(job, this.unknown(res.body, res.status, names));
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

/**
 * Counts unreadable answers in a row in the record's cache: the third one latches
 * (a service that changed its protocol must not be polled forever); any readable
 * answer clears the count.
 */
function withUnknownCount(o: PushOutcome, u: RecordUpdate): PushOutcome {
  const before = Number(u.cache?.["unknown"] ?? "0") || 0;
  if (o.kind === "transient" && o.cache?.["unknown"] !== undefined) {
    const n = before + 1;
    if (n >= DYNDNS2_UNKNOWN_LIMIT) {
      return { kind: "permanent", reason: `${o.reason}, ${n} times in a row: ddns stops here; check the service's status and endpoint, then change the provider config to try again` };
    }
    const cache: ProviderCache = { ...(u.cache ?? {}), unknown: String(n) };
    return { ...o, reason: `${o.reason}; will try again`, cache };
  }
  if (before > 0 && (o.kind === "updated" || o.kind === "unchanged")) {
    const { unknown: _n, ...rest } = u.cache ?? {};
    return { ...o, cache: rest };
  }
  return o;
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
