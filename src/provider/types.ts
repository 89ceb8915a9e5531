import type { Family } from "../ip-source/types.js";
import type { HttpClient } from "../net/types.js";

/**
 * A DNS provider type (cloudflare, dyndns2, ...). Each type has a small *spec*
 * (registry.ts: its config keys, cheap to import on every run) and an
 * *implementation* module loaded lazily only when a push is due.
 *
 * Contract of `push`:
 * - Receives every due update of one provider entry in this run at once, so that a
 *   protocol that can (dyndns2) sends several hosts in one request.
 * - Returns exactly one outcome per update, keyed by `update.key`.
 * - Never throws for a provider or network failure: it classifies it.
 *   "transient" = try again later (timeouts, 5xx, 429, malformed answers);
 *   "permanent" = a person must change something (bad credentials, host not in
 *   account, abuse block); the engine latches that record until its config changes.
 * - `cache` is the provider's own small, bounded data for that record (zone id,
 *   record id...). The engine persists whatever an outcome returns and hands it back
 *   next time. A cached id that turned out stale is looked up again once.
 * - Messages are sentences for an operator, name the record, and hold no secret.
 */
export type ProviderCache = Record<string, string>;

export interface RecordUpdate {
  /** Stable key "<name>/<family>", as in state. */
  key: string;
  name: string;
  family: Family;
  /** The full address set to publish for this name and family (at least one). */
  addresses: string[];
  /**
   * What state says is published now (null: unknown). A repair of drift (issue 17)
   * passes what the provider was just seen to serve instead; `[]` means it was seen to
   * hold no record, so the provider creates without looking first.
   */
  previous: string[] | null;
  /** The configured TTL; absent: the provider's existing TTL is left alone (a new record gets the provider's default). */
  ttl?: number;
  cache?: ProviderCache;
  /**
   * The other family of the same name, when the record configures it and it is not
   * part of this push: what state says is published there (null: unknown). Services
   * that delete or refill a family a request leaves out (dyndns2 presets, see
   * Dyndns2Preset.dual) send it along so that it is kept.
   */
  sibling?: { family: Family; addresses: string[] | null };
}

export type PushOutcome =
  | { kind: "updated"; cache?: ProviderCache; message?: string }
  /** The provider already had these addresses (the request was still spent). */
  | { kind: "unchanged"; cache?: ProviderCache }
  | {
      kind: "transient";
      reason: string;
      retryAfterMs?: number;
      cache?: ProviderCache;
      /**
       * The whole provider entry (its account or token) must wait `retryAfterMs`
       * (Cloudflare's 429): the engine persists that floor for every record of the
       * entry, not only for this one.
       */
      account?: true;
    }
  | { kind: "permanent"; reason: string }
  /**
   * The service accepted the request but says it now holds other addresses
   * (`answered`; dyndns2 `good <other address>`). Resending would not help and
   * dyndns2 services block clients that resend: the engine records the answer, warns
   * once and sends nothing for this record until its inputs (the wanted addresses or
   * the provider entry) change.
   */
  | { kind: "held"; reason: string; answered: string[] };

/** One record (name and family) whose served addresses `read` is asked for (drift check, issue 17). */
export interface RecordRead {
  /** Stable key "<name>/<family>", as in state. */
  key: string;
  name: string;
  family: Family;
  cache?: ProviderCache;
}

/**
 * What the provider's API says it holds for one record.
 * - "found": the addresses of the name's A or AAAA records, possibly none (`[]`: the
 *   record was deleted). `cache` is the provider's refreshed cache (record ids as they
 *   are now), so that a repair that follows is one request. `proxied`: the record is
 *   served through a proxy (Cloudflare), so DNS answers would never show it.
 * - "unknown": the read could not answer (timeout, 5xx, rate limit, no read permission
 *   on the token, a malformed answer). Nothing may be concluded from it.
 */
export type ReadOutcome =
  | { kind: "found"; addresses: string[]; cache?: ProviderCache; proxied?: boolean }
  | { kind: "unknown"; reason: string };

export interface DnsProvider {
  push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>>;
  /**
   * Optional read API (issue 17, drift repair): what the provider holds now for each
   * record, one outcome per `record.key`. Read-only: never changes anything. One GET
   * per record or per zone. Never throws for a provider or network failure: it answers
   * "unknown". Providers without a read API leave it out; their records are checked
   * through the zone's authoritative servers instead (src/verify/).
   */
  readRecords?(records: RecordRead[], signal: AbortSignal): Promise<Map<string, ReadOutcome>>;
  /**
   * Read-only credential check for `ddns check --online`. `ttls` are the entry's records
   * with a configured TTL: a provider whose TTL bound is per account (deSEC's
   * minimum_ttl) answers `ttl` problems for them, without changing anything.
   */
  verify?(signal: AbortSignal, ttls?: readonly RecordTtl[]): Promise<{ ok: true; ttl?: TtlFinding[] } | { ok: false; reason: string }>;
}

/** A record's configured TTL, for `ddns check --online`. */
export interface RecordTtl {
  name: string;
  ttl: number;
  /** Config line of the record. */
  line: number;
}

/** A configured TTL the account refuses (below deSEC's minimum_ttl for its domain). */
export interface TtlFinding {
  line: number;
  reason: string;
}

/** What a provider implementation is built from. */
export interface ProviderDeps {
  http: HttpClient;
  /** epoch milliseconds */
  now(): number;
  /** "ddns/VERSION (+URL)" */
  userAgent: string;
}

/** Validated settings of one `[providers.NAME]` table. Secrets are resolved values. */
export interface ProviderSettings {
  /** The table name, e.g. "home". */
  name: string;
  type: string;
  /** Every key of the table after validation, secrets resolved (K_file/K_credential -> K). */
  values: Record<string, string | number | boolean | string[]>;
  /** Names of keys that hold secrets (never print their values). */
  secretKeys: string[];
}

export type KeyKind = "string" | "secret" | "url" | "integer" | "boolean" | "string[]";

export interface KeySpec {
  name: string;
  kind: KeyKind;
  required?: boolean;
  /** For documentation and `ddns providers`. */
  doc: string;
  default?: string | number | boolean | string[];
}

export interface ProviderSpec {
  type: string;
  /** One line for `ddns providers`. */
  summary: string;
  /** Families the protocol can update. */
  families: Family[];
  /**
   * How both families travel and what happens to the one a request leaves out (issue 14),
   * for `ddns providers` and ddns.toml(5): one sentence, from the provider's document.
   */
  dualStack: string;
  /** Keys besides `type` (and `endpoint`, which every type takes). */
  keys: KeySpec[];
  /** Default API base URL (what `endpoint` replaces). */
  defaultEndpoint: string;
  /**
   * Default `refresh_days`: push an unchanged record again after this many days,
   * for protocols that forget hosts not refreshed (dyndns2 services: 25). Absent: 0, never.
   */
  refreshDays?: number;
  /**
   * What happens to other A/AAAA records at the name, for `ddns providers` (absent:
   * the DNS-API rule, a set holding addresses ddns did not publish is refused).
   */
  records?: string;
  /** What TTL the protocol can set (issue 14): checked by `ddns check`, shown by `ddns providers`. */
  ttl: TtlRule;
}

/**
 * A provider type's TTL rule, from its document (`source`: URL and the ruling words).
 * A configured `ttl` outside it is a config error at file:line:key, not a latched
 * failure at run time.
 */
export interface TtlRule {
  /** The protocol carries no TTL (the service sets its own): a configured ttl is refused with this sentence. */
  fixed?: string;
  /** Inclusive bounds (within ddns's own 1..86400). */
  min?: number;
  max?: number;
  /** Values allowed besides the range (Cloudflare: 1 = automatic). */
  also?: readonly number[];
  /** Only these values (Linode rounds any other up). */
  values?: readonly number[];
  /** What a record without ttl gets. */
  unset: string;
  /** A limit only the account knows (deSEC's minimum_ttl), told at run time. */
  note?: string;
  source: string;
}

/** Builds a provider of one entry; what the registry's lazy loader resolves to. */
export type ProviderFactory = (settings: ProviderSettings, deps: ProviderDeps) => DnsProvider;
