import type { Family, GatewayProtocol, SourceName } from "../ip-source/types.js";
import type { ProviderSettings } from "../provider/types.js";
import type { VerifyMode } from "../verify/types.js";

/** The validated `ddns.toml` (DESIGN.md "Config"). Produced by config/load.ts only. */
export interface Config {
  /** Absolute path of the file it came from. */
  file: string;
  families: Record<Family, FamilyConfig>;
  providers: Map<string, ProviderEntry>;
  records: RecordConfig[];
  push?: PushConfig;
  /** `verify_resolvers`: where drift checks find a zone's servers (empty: /etc/resolv.conf's). */
  verifyResolvers: string[];
  /** `[notify]`: absent unless configured (notifications are opt-in). */
  notify?: NotifyConfig;
  /**
   * What is accepted but deserves a word (absent: none): a key the provider type
   * ignores, say. `ddns check` prints them and exits 0; `ddns run` logs each once.
   */
  warnings?: ConfigWarning[];
}

/**
 * A config problem that does not stop ddns (issue 14: a `ttl` on a protocol that
 * carries none has always been accepted and ignored, so it must keep working).
 * Like an error it names the line and the key; `text` is the whole
 * "FILE:LINE: key: what" sentence. Never holds a secret.
 */
export interface ConfigWarning {
  line: number;
  key: string;
  message: string;
  /** The record it is about, when it is about one (the journal's DDNS_RECORD). */
  record?: string;
  /** "FILE:LINE: key: message", one line. */
  text: string;
}

export interface FamilyConfig {
  enabled: boolean;
  sources: SourceName[];
  /** Limits the event and interface sources; empty = every interface. */
  interfaces: string[];
  /** For the http source; empty = built-in defaults. */
  urls: string[];
  /** For the static source. */
  addresses: string[];
  /** For the command source: argv, no shell. */
  command: string[];
  /** For the dns source: resolver addresses and the name to ask. */
  dnsServers: string[];
  dnsName: string;
  /** IPv6 only: "stable" skips temporary addresses. */
  prefer: "stable" | "temporary";
  /** Accept private/ULA/CGNAT... addresses from detection (internal zones). */
  acceptPrivate: boolean;
  /** Deadline for one source's detection, ms. */
  timeoutMs: number;
  /** IPv4, for the gateway source: the protocols asked, in order. */
  gatewayProtocols: GatewayProtocol[];
}

export interface ProviderEntry extends ProviderSettings {
  /** Line of the `[providers.NAME]` header. */
  line: number;
  /** Days after which a record is pushed again although unchanged (0 = never). */
  refreshDays: number;
  /**
   * Changes whenever the table or a secret source changes, never with a secret's
   * value itself: K_file contributes its path, size and mtime; K_credential its name
   * and size (not its mtime: systemd writes credentials afresh at every service start);
   * an inline K the config file's mtime. A latched record unlatches when it changes.
   */
  fingerprint: string;
  /**
   * Where each secret was read from and the file's identity when it was read
   * (state/idle-seal.ts): an idle seal is written only if they are unchanged.
   */
  secretOrigins?: SecretOrigin[];
}

export interface SecretOrigin {
  path: string;
  /** A credential: only its size is compared (systemd rewrites them at every start). */
  credential: boolean;
  identity: string;
}

export interface RecordConfig {
  name: string;
  provider: string;
  families: Family[];
  ttl?: number;
  /** Config line of the `ttl` key (messages about it name its own line). */
  readonly ttlLine?: number;
  line: number;
  /** Drift check (issue 17): `verify`, from the record or the top level (default "auto"). */
  verify: VerifyMode;
  /** `verify_interval`, seconds (>= 3600, default 86400). */
  verifyIntervalS: number;
  /**
   * `ipv6_host`: this record's AAAA is another LAN device's address, the detected
   * IPv6 prefix joined with this interface identifier (canonical IPv6 text of the
   * host part, e.g. "::a8bb:ccff:fedd:eeff" for mac(aa:bb:cc:dd:ee:ff)).
   */
  ipv6Host?: string;
  /** `ipv6_prefix_length` (default 64): how many leading bits come from the detected address. */
  ipv6PrefixLength?: number;
}

/** `[push]`: which names a router's push may set (issue 8). */
export interface PushConfig {
  names: string[];
  username?: string;
  /** resolved secret */
  password?: string;
  token?: string;
}

/**
 * `[notify]` (issue 18): where a run's transitions are told. The URLs are resolved
 * secrets (redacted from every output, like provider secrets).
 */
export interface NotifyConfig {
  /** argv, no shell; one run per transition, the transition in DDNS_* and as JSON on stdin. */
  command?: string[];
  /** POST of a JSON document with the run's transitions. */
  url?: string;
  /** healthchecks-style: told after a run whose transitions are all good news. */
  pingUrl?: string;
  /** healthchecks-style: told after a run with a failure starting or a latch. */
  failUrl?: string;
  /** Bound on the whole notification of one run. */
  timeoutMs: number;
}
