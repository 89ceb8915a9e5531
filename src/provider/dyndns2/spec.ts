import type { Family } from "../../ip-source/types.js";
import type { KeySpec, ProviderSpec } from "../types.js";

/**
 * The dyndns2 protocol (Dyn's "Remote Access API", notes/providers.md §1) and the
 * services that speak it. Each preset is its own provider type sharing one
 * implementation (dyndns2.ts); what differs is data: endpoint, path, quirks.
 * `endpoint` overrides the base URL of every preset.
 */
export type Dyndns2Class = "good" | "nochg" | "permanent" | "transient";

export interface Dyndns2Preset {
  type: string;
  /** How messages name the service. */
  label: string;
  summary: string;
  endpoint: string;
  /** Request path below the endpoint. */
  path: string;
  families: Family[];
  /** Several hostnames in one request (comma list, one answer line each). */
  multiHost: boolean;
  /** The Basic-auth username is the host being updated (Hurricane Electric). */
  usernameIsHost?: boolean;
  /** Username when the table gives none (dynv6: "none"). */
  defaultUsername?: string;
  /** Fixed query parameters sent after hostname and myip. */
  extraQuery?: Array<[string, string]>;
  /** Parameter carrying an IPv6 address (default myip) and what to send with it. */
  ipv6Param?: string;
  ipv6Extra?: Array<[string, string]>;
  /**
   * Answer words this service adds to the standard ones. `hint` continues a sentence
   * that starts with the label ({h}: the host, {t}: the config table); for transient
   * codes it says why.
   */
  codes?: Record<string, { cls: Dyndns2Class; hint: string }>;
  /** Services that answer with the HTTP status instead of a body (selfHOST). */
  statusCodes?: Record<number, { cls: Dyndns2Class; hint: string }>;
  /** Push an unchanged record again after this many days (services that expire idle hosts). */
  refreshDays?: number;
  /** How the service takes both families, and what it does with one left out. */
  dual: DualStack;
  /** A protocol of its own instead of /nic/update (dynv6's Update API). */
  api?: "dynv6";
  /**
   * The service names a host below a custom domain as `hostname=<domain>&alias=<label>`
   * (Dynu); the optional `zone` key gives the domain. `source`: the document.
   */
  alias?: { source: string };
  /**
   * A redirect the service is known to send (Infomaniak: infomaniak.com -> www.): followed
   * once when it keeps the scheme and stays on the endpoint's host or a subdomain of it.
   * Any other redirect is refused (credentials never go to another host).
   */
  sameSiteRedirect?: { source: string };
  usernameDoc: string;
  passwordDoc: string;
}

/**
 * A service's own rule for dual-stack hosts (issue 14). Each preset cites the
 * document it follows in `source`.
 */
export interface DualStack {
  /**
   * How one request carries both families: "comma" `myip=<v4>,<v6>` (Dyn, No-IP);
   * "param" IPv6 in its own parameter (`ipv6Param`, Dynu's `myipv6`); "separate" one
   * request per family (the combined form is refused: HE `badip`, selfHOST `abuse`).
   */
  both: "comma" | "param" | "separate";
  /**
   * What the service does with a family a request leaves out: "kept" as it is;
   * "deleted" (Dyn: a v4-only request deletes the AAAA); "source" filled from the
   * connection's source address (No-IP, Dynu).
   */
  omitted: "kept" | "deleted" | "source";
  /** A parameter that tells the service to keep an omitted family (Dynu: `myip=no`, `myipv6=no`). */
  keep?: { ipv4: [string, string]; ipv6: [string, string] };
  /**
   * Least time between two requests to the service, in ms (0: none documented).
   * Within a run ddns waits up to 10 s for it; a longer spacing defers the rest.
   */
  spacingMs: number;
  /** Where `omitted` is "source" and nothing keeps the other family: a one-family request travels over that family. */
  pinFamily: boolean;
  /** The document and the sentence that rule this (URL: sentence). */
  source: string;
}

const NIC = "/nic/update";
const DYN_RULE = "https://help.dyn.com/remote-access-api/perform-update/ (myip takes IPv4 and IPv6 comma-separated); openwrt/packages#17875: \"If myip=nnn.nnn.nnn.nnn, the A record is updated and the AAAA record is deleted\"";
const SEPARATE_UNKNOWN = "not documented by the service: one request per family, each naming only its own family (as ddclient and ddns-updater send it)";

/**
 * The presets by type, each built only when asked: a run evaluates the one preset its
 * config names (the table's text stays out of the code cache and the run), and
 * `ddns providers` or the docs build them all.
 */
const PRESETS: Record<string, () => Omit<Dyndns2Preset, "type">> = {
  dyndns2: () => ({
    label: "the dyndns2 server", summary: "any dyndns2 (/nic/update) server; set endpoint",
    endpoint: "https://members.dyndns.org", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, refreshDays: 25,
    usernameDoc: "account or update username", passwordDoc: "password or update key",
    dual: { both: "comma", omitted: "deleted", spacingMs: 0, pinFamily: false, source: DYN_RULE },
  }),
  dyndns: () => ({
    label: "Dyn", summary: "Dyn / Oracle Dynamic DNS (members.dyndns.org)",
    endpoint: "https://members.dyndns.org", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, refreshDays: 25,
    usernameDoc: "Dyn username", passwordDoc: "password or updater client key",
    dual: { both: "comma", omitted: "deleted", spacingMs: 0, pinFamily: false, source: DYN_RULE },
  }),
  noip: () => ({
    label: "No-IP", summary: "No-IP (dynupdate.no-ip.com)",
    endpoint: "https://dynupdate.no-ip.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, refreshDays: 25,
    usernameDoc: "No-IP e-mail address or group username", passwordDoc: "No-IP password or group password",
    dual: { both: "comma", omitted: "source", spacingMs: 0, pinFamily: true, source: "https://www.noip.com/integrate/request: \"allow for both A and AAAA hostnames to be updated individually or dual-stacked\"; https://www.noip.com/integrate/response: \"If IPv4 and IPv6 are both supplied, both ips will be returned in a comma separated list\"; a v6-only request rewrites the A from the connection (notes/providers.md 2026-12)" },
  }),
  dynu: () => ({
    label: "Dynu", summary: "Dynu (api.dynu.com)",
    endpoint: "https://api.dynu.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: true,
    // Dynu takes IPv6 in myipv6; myip=no stops it taking the connection's IPv4 (ddclient does the same).
    ipv6Param: "myipv6", ipv6Extra: [["myip", "no"]],
    codes: { servererror: { cls: "transient", hint: "Dynu reports a server error" } },
    usernameDoc: "Dynu username", passwordDoc: "Dynu password or IP update password (plain, MD5 or SHA-256)",
    alias: {
      source:
        "https://www.dynu.com/DynamicDNS/IP-Update-Protocol (parameters hostname, alias, location, myip, myipv6; notes/providers.md: alias is the sub-label when hostname is the domain; the page's parameter table was not readable here: UNVERIFIED in its own words); ddclient 126797c (2026-05, nic_dynu_update): \"Dynu requires hostname=zone&alias=subdomain for custom domains (e.g. zone=example.com, alias=host for host.example.com). Without zone, the full FQDN is used as hostname, which works for free Dynu subdomains\"",
    },
    dual: { both: "param", omitted: "source", keep: { ipv4: ["myip", "no"], ipv6: ["myipv6", "no"] }, spacingMs: 0, pinFamily: false, source: "https://www.dynu.com/DynamicDNS/IP-Update-Protocol: nic/update?hostname=…&myip=<IPv4>&myipv6=<IPv6>; ddclient/ddclient#964: without myipv6=no \"dynu [auto-detects the] IPv6 address of client making the request\"" },
  }),
  he: () => ({
    label: "Hurricane Electric", summary: "Hurricane Electric DNS (dyn.dns.he.net; one key per record)",
    endpoint: "https://dyn.dns.he.net", path: NIC, families: ["ipv4", "ipv6"], multiHost: false, usernameIsHost: true,
    codes: {
      interval: { cls: "transient", hint: "HE's minimum interval between updates had not passed" },
      noipv4: { cls: "permanent", hint: "has no A record for {h}: add one in dns.he.net and mark it dynamic" },
      noipv6: { cls: "permanent", hint: "has no AAAA record for {h}: add one in dns.he.net and mark it dynamic" },
    },
    usernameDoc: "defaults to the record name (HE's username is the host being updated)",
    passwordDoc: "the record's DDNS key generated in dns.he.net",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: "https://dns.he.net/docs.html: \"When making updates, you will need to make a separate update for ipv4 and ipv6.\" (the combined form answers badip: ddclient/ddclient#833)" },
  }),
  ovh: () => ({
    label: "OVH DynHost", summary: "OVH DynHost (www.ovh.com)",
    endpoint: "https://www.ovh.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false, extraQuery: [["system", "dyndns"]],
    codes: { badrequest: { cls: "permanent", hint: "refused the request for {h} as malformed" } },
    usernameDoc: "DynHost login (domain-suffix), created in the OVH manager", passwordDoc: "DynHost login password",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: "https://help.ovhcloud.com/csm/en-dns-dynhost: DynHost updates one A or AAAA per request (myip is the address of that record); " + SEPARATE_UNKNOWN },
  }),
  strato: () => ({
    label: "Strato", summary: "Strato DynDNS (dyndns.strato.com)",
    endpoint: "https://dyndns.strato.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    codes: { badrequest: { cls: "permanent", hint: "refused the request for {h} as malformed" } },
    usernameDoc: "the domain name", passwordDoc: "the DynDNS password set in Strato's panel",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: SEPARATE_UNKNOWN },
  }),
  infomaniak: () => ({
    label: "Infomaniak", summary: "Infomaniak DynDNS (infomaniak.com; errors come as HTTP 400)",
    endpoint: "https://infomaniak.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    codes: {
      successfully_changed: { cls: "good", hint: "" },
      no_change: { cls: "nochg", hint: "" },
    },
    usernameDoc: "DynDNS user (not the account login)", passwordDoc: "DynDNS password",
    sameSiteRedirect: {
      source:
        "Infomaniak's FAQ (faq.infomaniak.com/2376, /40) was not in the stored corpus: UNVERIFIED; ddclient/ddclient#589: infomaniak.com answered \"HTTP/2 301 ... location: https://www.infomaniak.com/ip.php/\", and ddclient#592 made ddclient follow redirects for Infomaniak (\"redirect=2\")",
    },
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: SEPARATE_UNKNOWN },
  }),
  dnsomatic: () => ({
    label: "DNS-O-Matic", summary: "DNS-O-Matic (updates.dnsomatic.com; IPv4)",
    endpoint: "https://updates.dnsomatic.com", path: NIC, families: ["ipv4"], multiHost: true,
    extraQuery: [["wildcard", "NOCHG"], ["mx", "NOCHG"], ["backmx", "NOCHG"]],
    usernameDoc: "DNS-O-Matic (OpenDNS) username", passwordDoc: "DNS-O-Matic password",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: "https://www.dnsomatic.com/docs/api: IPv4 only" },
  }),
  selfhost: () => ({
    label: "selfHOST", summary: "selfHOST.de (carol.selfhost.de; answers by HTTP status)",
    endpoint: "https://carol.selfhost.de", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    statusCodes: {
      204: { cls: "nochg", hint: "" },
      401: { cls: "permanent", hint: "refused the username or password for {h}: check username and password in {t}" },
      409: { cls: "permanent", hint: "knows no such zone for {h}: check the record name" },
      410: { cls: "permanent", hint: "says the account for {h} is not active" },
      411: { cls: "permanent", hint: "refused the address sent for {h} as malformed" },
      412: { cls: "permanent", hint: "refused a private address for {h}" },
    },
    usernameDoc: "selfHOST DynDNS username", passwordDoc: "selfHOST DynDNS password",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: "selfHOST answers abuse to myip=<v4>,<v6> (notes/providers.md 2026-12): one request per family" },
  }),
  dynv6: () => ({
    label: "dynv6", summary: "dynv6.com through its Update API (/api/update: IPv4, IPv6 or both in one request)",
    endpoint: "https://dynv6.com", path: "/api/update", families: ["ipv4", "ipv6"], multiHost: false, api: "dynv6",
    usernameDoc: "not used by dynv6's Update API", passwordDoc: "the zone's HTTP token (sent as token=)",
    dual: { both: "param", omitted: "kept", spacingMs: 0, pinFamily: false, source: "https://dynv6.com/docs/apis: the dyndns2 endpoint \"can only be used to update the IPv4 address of a zone\"; /api/update ipv4/ipv6: \"If empty or unset, the current IPv4 address is kept unchanged.\"" },
  }),
  allinkl: () => ({
    label: "ALL-INKL", summary: "ALL-INKL / KAS DynDNS (dyndns.kasserver.com)",
    endpoint: "https://dyndns.kasserver.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    usernameDoc: "DDNS login from the KAS", passwordDoc: "DDNS password from the KAS",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: SEPARATE_UNKNOWN },
  }),
  loopia: () => ({
    label: "Loopia", summary: "LoopiaDNS dynamic DNS (dyndns.loopia.se)",
    endpoint: "https://dyndns.loopia.se", path: "/", families: ["ipv4", "ipv6"], multiHost: false,
    usernameDoc: "Loopia API/DynDNS username", passwordDoc: "Loopia DynDNS password",
    dual: { both: "separate", omitted: "kept", spacingMs: 0, pinFamily: false, source: SEPARATE_UNKNOWN },
  }),
};

function keysOf(p: Dyndns2Preset): KeySpec[] {
  const optional = p.usernameIsHost === true || p.defaultUsername !== undefined || p.api !== undefined;
  const username: KeySpec = { name: "username", kind: "string", doc: p.usernameDoc };
  if (!optional) username.required = true;
  if (p.defaultUsername !== undefined) username.default = p.defaultUsername;
  const keys: KeySpec[] = [username, { name: "password", kind: "secret", required: true, doc: p.passwordDoc }];
  if (p.alias !== undefined) {
    keys.push({
      name: "zone",
      kind: "string",
      doc: `a custom domain at ${p.label} (example.com): a record below it is sent as hostname=<zone>&alias=<label>, the form ${p.label} wants for custom domains; unset: every record name is sent whole as hostname (free ${p.label} names)`,
    });
  }
  return keys;
}

/** Preset.dual in words, for `ddns providers` and ddns.toml(5). */
export function dualWords(p: Dyndns2Preset): string {
  if (p.families.length === 1) return p.families[0] === "ipv4" ? `IPv4 only (${p.label} takes no IPv6)` : `IPv6 only (${p.label} takes no IPv4)`;
  const d = p.dual;
  const both =
    d.both === "comma" ? "both families in one request (myip=<v4>,<v6>)"
    : d.both === "param" ? (p.api === "dynv6" ? "both families in one request (ipv4=<v4>&ipv6=<v6>)" : `both families in one request (myip=<v4>&${p.ipv6Param ?? "myipv6"}=<v6>)`)
    : "one request per family (the combined form is not taken)";
  const omitted =
    d.omitted === "deleted" ? `a family a request leaves out is deleted by ${p.label}, so ddns sends the other family's published address along`
    : d.omitted === "source"
      ? `a family a request leaves out is filled by ${p.label} from the connection's source address, so ddns sends the other family's published address along, else ${d.keep !== undefined ? `${d.keep.ipv4.join("=")} / ${d.keep.ipv6.join("=")}` : "sends the request over the family it carries"}`
      : "a family a request leaves out is kept";
  return `${both}; ${omitted}`;
}

function specOf(p: Dyndns2Preset): ProviderSpec {
  const spec: ProviderSpec = {
    type: p.type,
    summary: p.summary,
    families: p.families,
    dualStack: dualWords(p),
    keys: keysOf(p),
    defaultEndpoint: p.endpoint,
    ttl: p.api === "dynv6"
      ? { fixed: `${p.label} sets its own TTL; its update API takes none`, unset: `${p.label}'s own`, source: "dynv6.com/docs/apis: /api/update takes zone, token, ipv4, ipv6 and ipv6prefix, no TTL" }
      : {
          fixed: `the dyndns2 protocol carries no TTL (${p.label} sets its own)`,
          unset: `${p.label}'s own`,
          source: "help.dyn.com/remote-access-api/perform-update: /nic/update takes hostname, myip and the Dyn-era wildcard/mx/backmx/offline, no TTL",
        },
  };
  if (p.refreshDays !== undefined) spec.refreshDays = p.refreshDays;
  return spec;
}

/** Every dyndns2-family type, in the order `ddns providers` and the docs list them. */
export const DYNDNS2_TYPES: readonly string[] = Object.keys(PRESETS);

const presets = new Map<string, Dyndns2Preset>();
const specs = new Map<string, ProviderSpec>();

export function dyndns2Preset(type: string): Dyndns2Preset | undefined {
  let p = presets.get(type);
  if (p === undefined && Object.hasOwn(PRESETS, type)) presets.set(type, (p = { type, ...PRESETS[type]!() }));
  return p;
}

/** Every preset (`ddns providers`, docs, tests). */
export function dyndns2Presets(): Dyndns2Preset[] {
  return DYNDNS2_TYPES.map((t) => dyndns2Preset(t)!);
}

/** The ProviderSpec of a dyndns2-family type, built on first use. */
export function dyndns2Spec(type: string): ProviderSpec | undefined {
  let s = specs.get(type);
  if (s === undefined) {
    const p = dyndns2Preset(type);
    if (p === undefined) return undefined;
    specs.set(type, (s = specOf(p)));
  }
  return s;
}
