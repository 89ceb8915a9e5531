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
  usernameDoc: string;
  passwordDoc: string;
}

const NIC = "/nic/update";

export const DYNDNS2_PRESETS: readonly Dyndns2Preset[] = [
  {
    type: "dyndns2", label: "the dyndns2 server", summary: "any dyndns2 (/nic/update) server; set endpoint",
    endpoint: "https://members.dyndns.org", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, refreshDays: 25,
    usernameDoc: "account or update username", passwordDoc: "password or update key",
  },
  {
    type: "dyndns", label: "Dyn", summary: "Dyn / Oracle Dynamic DNS (members.dyndns.org)",
    endpoint: "https://members.dyndns.org", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, refreshDays: 25,
    usernameDoc: "Dyn username", passwordDoc: "password or updater client key",
  },
  {
    type: "noip", label: "No-IP", summary: "No-IP (dynupdate.no-ip.com)",
    endpoint: "https://dynupdate.no-ip.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, refreshDays: 25,
    usernameDoc: "No-IP e-mail address or group username", passwordDoc: "No-IP password or group password",
  },
  {
    type: "dynu", label: "Dynu", summary: "Dynu (api.dynu.com)",
    endpoint: "https://api.dynu.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: true,
    // Dynu takes IPv6 in myipv6; myip=no stops it taking the connection's IPv4 (ddclient does the same).
    ipv6Param: "myipv6", ipv6Extra: [["myip", "no"]],
    codes: { servererror: { cls: "transient", hint: "Dynu reports a server error" } },
    usernameDoc: "Dynu username", passwordDoc: "Dynu password or IP update password (plain, MD5 or SHA-256)",
  },
  {
    type: "he", label: "Hurricane Electric", summary: "Hurricane Electric DNS (dyn.dns.he.net; one key per record)",
    endpoint: "https://dyn.dns.he.net", path: NIC, families: ["ipv4", "ipv6"], multiHost: false, usernameIsHost: true,
    codes: {
      interval: { cls: "transient", hint: "HE's minimum interval between updates had not passed" },
      noipv4: { cls: "permanent", hint: "has no A record for {h}: add one in dns.he.net and mark it dynamic" },
      noipv6: { cls: "permanent", hint: "has no AAAA record for {h}: add one in dns.he.net and mark it dynamic" },
    },
    usernameDoc: "defaults to the record name (HE's username is the host being updated)",
    passwordDoc: "the record's DDNS key generated in dns.he.net",
  },
  {
    type: "ovh", label: "OVH DynHost", summary: "OVH DynHost (www.ovh.com)",
    endpoint: "https://www.ovh.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false, extraQuery: [["system", "dyndns"]],
    codes: { badrequest: { cls: "permanent", hint: "refused the request for {h} as malformed" } },
    usernameDoc: "DynHost login (domain-suffix), created in the OVH manager", passwordDoc: "DynHost login password",
  },
  {
    type: "strato", label: "Strato", summary: "Strato DynDNS (dyndns.strato.com)",
    endpoint: "https://dyndns.strato.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    codes: { badrequest: { cls: "permanent", hint: "refused the request for {h} as malformed" } },
    usernameDoc: "the domain name", passwordDoc: "the DynDNS password set in Strato's panel",
  },
  {
    type: "infomaniak", label: "Infomaniak", summary: "Infomaniak DynDNS (infomaniak.com; errors come as HTTP 400)",
    endpoint: "https://infomaniak.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    codes: {
      successfully_changed: { cls: "good", hint: "" },
      no_change: { cls: "nochg", hint: "" },
    },
    usernameDoc: "DynDNS user (not the account login)", passwordDoc: "DynDNS password",
  },
  {
    type: "dnsomatic", label: "DNS-O-Matic", summary: "DNS-O-Matic (updates.dnsomatic.com; IPv4)",
    endpoint: "https://updates.dnsomatic.com", path: NIC, families: ["ipv4"], multiHost: true,
    extraQuery: [["wildcard", "NOCHG"], ["mx", "NOCHG"], ["backmx", "NOCHG"]],
    usernameDoc: "DNS-O-Matic (OpenDNS) username", passwordDoc: "DNS-O-Matic password",
  },
  {
    type: "selfhost", label: "selfHOST", summary: "selfHOST.de (carol.selfhost.de; answers by HTTP status)",
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
  },
  {
    type: "dynv6", label: "dynv6", summary: "dynv6.com through its dyndns2 endpoint",
    endpoint: "https://dynv6.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: true, defaultUsername: "none",
    usernameDoc: "not used by dynv6 (default \"none\")", passwordDoc: "the zone's HTTP token",
  },
  {
    type: "allinkl", label: "ALL-INKL", summary: "ALL-INKL / KAS DynDNS (dyndns.kasserver.com)",
    endpoint: "https://dyndns.kasserver.com", path: NIC, families: ["ipv4", "ipv6"], multiHost: false,
    usernameDoc: "DDNS login from the KAS", passwordDoc: "DDNS password from the KAS",
  },
  {
    type: "loopia", label: "Loopia", summary: "LoopiaDNS dynamic DNS (dyndns.loopia.se)",
    endpoint: "https://dyndns.loopia.se", path: "/", families: ["ipv4", "ipv6"], multiHost: false,
    usernameDoc: "Loopia API/DynDNS username", passwordDoc: "Loopia DynDNS password",
  },
];

function keysOf(p: Dyndns2Preset): KeySpec[] {
  const optional = p.usernameIsHost === true || p.defaultUsername !== undefined;
  const username: KeySpec = { name: "username", kind: "string", doc: p.usernameDoc };
  if (!optional) username.required = true;
  if (p.defaultUsername !== undefined) username.default = p.defaultUsername;
  return [username, { name: "password", kind: "secret", required: true, doc: p.passwordDoc }];
}

function specOf(p: Dyndns2Preset): ProviderSpec {
  const spec: ProviderSpec = {
    type: p.type,
    summary: p.summary,
    families: p.families,
    keys: keysOf(p),
    defaultEndpoint: p.endpoint,
  };
  if (p.refreshDays !== undefined) spec.refreshDays = p.refreshDays;
  return spec;
}

export const dyndns2Specs: readonly ProviderSpec[] = DYNDNS2_PRESETS.map(specOf);

export function dyndns2Preset(type: string): Dyndns2Preset | undefined {
  return DYNDNS2_PRESETS.find((p) => p.type === type);
}
