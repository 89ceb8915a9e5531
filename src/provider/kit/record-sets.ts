import type { PushOutcome, ReadOutcome, RecordRead, RecordUpdate } from "../types.js";
import { canonical, fail, ok, relativeName, rrType, sameSet, zoneCandidates, type Ctx, type Failure, type Result } from "./rest.js";

/**
 * Names, zones and address sets shared by the DNS-API providers: canonical address
 * comparison, the zone that holds a name (configured or found by its suffixes), and
 * for APIs that keep one record (with an id) per address, the reconciliation of
 * those records with the wanted set and the id cache that makes a change one request.
 */
/**
 * The configured `zone`, or the longest suffix of the name the provider says it
 * has (`probe` answers with the zone's id, or null when that zone is not there).
 */
export async function findZone(
  name: string,
  configured: string,
  probe: (zone: string) => Promise<Result<string | null>>,
  ctx: Ctx,
): Promise<Result<{ zone: string; id: string }>> {
  if (configured !== "") {
    if (relativeName(name, configured) === null) {
      return fail({ kind: "permanent", reason: `${ctx.record} is not inside zone ${configured}: check zone in [providers.${ctx.table}]` });
    }
    const r = await probe(configured);
    if (!r.ok) return r;
    if (r.value !== null) return ok({ zone: configured, id: r.value });
  } else {
    for (const zone of zoneCandidates(name)) {
      const r = await probe(zone);
      if (!r.ok) return r;
      if (r.value !== null) return ok({ zone, id: r.value });
    }
  }
  return fail({
    kind: "permanent",
    reason: `${ctx.provider} has no zone holding ${ctx.record} in this account: check the name, or set zone in [providers.${ctx.table}]`,
  });
}

/** Cached record ids of one name and family, as "id=address" pairs. */
export interface IdRecord {
  id: string;
  value: string;
  /** The record's TTL as the provider listed it (kept when the config sets none). */
  ttl?: number;
}

export function encodeIds(records: readonly IdRecord[]): string {
  return records.map((r) => `${r.id}=${r.value}`).join(" ");
}

export function decodeIds(text: string | undefined): IdRecord[] | null {
  if (text === undefined || text === "") return null;
  const out: IdRecord[] = [];
  for (const pair of text.split(" ")) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) return null;
    out.push({ id: pair.slice(0, eq), value: pair.slice(eq + 1) });
  }
  return out;
}

/** The writes that turn `existing` records into `desired` addresses: reuse ids first. */
export function reconcile(existing: readonly IdRecord[], desired: readonly string[]) {
  const want = [...new Set(desired.map(canonical))];
  const keep: IdRecord[] = [];
  const free: IdRecord[] = [];
  const held = new Set<string>();
  for (const r of existing) {
    const v = canonical(r.value);
    if (want.includes(v) && !held.has(v)) {
      keep.push(r);
      held.add(v);
    } else {
      free.push(r);
    }
  }
  const missing = want.filter((v) => !held.has(v));
  const updates: IdRecord[] = [];
  const creates: string[] = [];
  missing.forEach((value, i) => {
    const slot = free[i];
    if (slot !== undefined) updates.push({ id: slot.id, value });
    else creates.push(value);
  });
  const deletes = free.slice(missing.length).map((r) => r.id);
  return { keep, updates, creates, deletes };
}

export interface RecordOps {
  /** Changes the record's address; `ttl` (when given) is the TTL to write with it. */
  update(id: string, value: string): Promise<Result<void>>;
  create(value: string): Promise<Result<string>>;
  remove(id: string): Promise<Result<void>>;
}

/** Carries out `reconcile`; returns the ids now holding the desired addresses. */
export async function applyRecords(existing: readonly IdRecord[], desired: readonly string[], ops: RecordOps): Promise<Result<IdRecord[]>> {
  const plan = reconcile(existing, desired);
  const now: IdRecord[] = [...plan.keep];
  for (const u of plan.updates) {
    const r = await ops.update(u.id, u.value);
    if (!r.ok) return r;
    now.push(u);
  }
  for (const value of plan.creates) {
    const r = await ops.create(value);
    if (!r.ok) return r;
    now.push({ id: r.value, value });
  }
  for (const id of plan.deletes) {
    const r = await ops.remove(id);
    if (!r.ok) return r;
  }
  return ok(now);
}


export interface ZoneRef {
  /** The zone's name, e.g. example.org. */
  zone: string;
  /** What the API calls it by: an id, or the name itself. */
  id: string;
}

/** What an API with one record (and id) per address supplies to `pushIdRecords`. */
export interface IdRecordApi extends ZoneFinder {
  /** The records of one relative name ("" = apex) and type, with their TTL where the API lists it. */
  list(z: ZoneRef, rel: string, type: "A" | "AAAA", c: Ctx): Promise<Result<IdRecord[]>>;
  /**
   * Writes of one name and type. `ttl` is the TTL to write: the configured one, else
   * the TTL the record already has (when known), else undefined (the provider's
   * default for a new record; an update then leaves the TTL out).
   */
  ops(z: ZoneRef, rel: string, type: "A" | "AAAA", ttl: number | undefined, c: Ctx): RecordOps;
  /**
   * An update that leaves the TTL out resets it to the provider's default (Porkbun:
   * "Minimum and default is 600 seconds"; Name.com and ClouDNS need it in every
   * write): without a configured TTL the records are listed first, so that the TTL
   * they have is written back.
   */
  updateResetsTtl?: boolean;
  /**
   * Records of other types at the name that an A/AAAA record cannot sit beside
   * (a CNAME, a provider's ALIAS), asked only before a first create. ddns refuses
   * rather than delete them (issue 14: Porkbun parks new domains with
   * ALIAS @ / CNAME * -> pixie.porkbun.com).
   */
  conflicts?(z: ZoneRef, rel: string, c: Ctx): Promise<Result<Array<{ type: string; value: string }>>>;
}

/**
 * Other records at the name are not ddns's (issue 14): a name whose A (or AAAA)
 * set holds more than one record, one of them neither published by ddns nor wanted,
 * is a round robin someone else keeps. ddns refuses it rather than delete records.
 */
export function foreignRecords(existing: readonly string[], u: RecordUpdate): string[] {
  if (existing.length <= 1) return [];
  const ours = new Set([...(u.previous ?? []), ...u.addresses].map(canonical));
  return existing.filter((v) => !ours.has(canonical(v)));
}

export function refuseForeign(u: RecordUpdate, provider: string, existing: readonly string[], foreign: readonly string[]): Failure {
  const type = rrType(u);
  return {
    kind: "permanent",
    reason:
      `${provider} holds ${existing.length} ${type} records for ${u.name} (${existing.join(", ")}); ` +
      `${foreign.join(", ")} ${foreign.length === 1 ? "was" : "were"} not published by ddns, and ddns does not delete records it did not create: ` +
      `remove ${foreign.length === 1 ? "it" : "them"} at ${provider}, or give ddns a name of its own`,
  };
}

function withCache(f: Failure, cache: Record<string, string>): Failure {
  return f.kind === "transient" ? { ...f, cache } : f;
}

/**
 * Publishes one update through an id-per-record API. With the zone and record ids
 * cached a change costs one request per changed address; without them, a zone probe
 * (once), a list, and the writes. A cached id that is gone (404) is looked up again
 * once. Unchanged is only claimed after the list showed exactly the wanted set.
 */
export interface ZoneFinder {
  /** The zone's id, or null when the account has no such zone. */
  probeZone(zone: string, c: Ctx): Promise<Result<string | null>>;
  /** The API names zones by their name: a configured zone needs no probe. */
  zoneIsName: boolean;
  /**
   * A configured zone that is not a name but the provider's id for it (Hetzner's
   * numeric zone id: the API's path takes "id or name"): its name, or null when the
   * account has no such zone. Asked once; the name is then cached.
   */
  zoneNameOf?(id: string, c: Ctx): Promise<Result<string | null>>;
}

/** The zone of an update (cached, configured, or probed once) and the name relative to it. */
export async function resolveZone(u: Pick<RecordUpdate, "name" | "cache">, api: ZoneFinder, configuredZone: string, c: Ctx): Promise<Result<{ z: ZoneRef; rel: string }>> {
  const cache = u.cache ?? {};
  let z: ZoneRef;
  const cachedZone = cache["zone"];
  const cachedId = cache["zoneId"];
  if (cachedZone !== undefined && cachedId !== undefined && (configuredZone === "" || configuredZone === cachedZone || configuredZone === cachedId)) {
    z = { zone: cachedZone, id: cachedId };
  } else if (configuredZone !== "" && relativeName(u.name, configuredZone) === null && api.zoneNameOf !== undefined && /^\d+$/.test(configuredZone)) {
    const named = await api.zoneNameOf(configuredZone, c);
    if (!named.ok) return named;
    if (named.value === null) return fail({ kind: "permanent", reason: `${c.provider} has no zone with id ${configuredZone} in this account: check zone in [providers.${c.table}]` });
    z = { zone: named.value, id: configuredZone };
  } else if (configuredZone !== "" && api.zoneIsName && relativeName(u.name, configuredZone) !== null) {
    z = { zone: configuredZone, id: configuredZone };
  } else {
    const found = await findZone(u.name, configuredZone, (zone) => api.probeZone(zone, c), c);
    if (!found.ok) return found;
    z = found.value;
  }
  const rel = relativeName(u.name, z.zone);
  if (rel === null) return fail({ kind: "permanent", reason: `${u.name} is not inside zone ${z.zone}: check zone in [providers.${c.table}]` });
  return ok({ z, rel });
}

export async function pushIdRecords(u: RecordUpdate, api: IdRecordApi, configuredZone: string, c: Ctx): Promise<PushOutcome | Failure> {
  const cache = u.cache ?? {};
  const where = await resolveZone(u, api, configuredZone, c);
  if (!where.ok) return where.failure;
  const { z, rel } = where.value;
  const type = rrType(u);
  const zoneCache = { zone: z.zone, zoneId: z.id };
  const cachedTtl = cache["ttl"] !== undefined && /^\d+$/.test(cache["ttl"]) ? Number(cache["ttl"]) : undefined;
  const done = (ids: IdRecord[], ttl: number | undefined): PushOutcome => ({
    kind: "updated",
    cache: { ...zoneCache, records: encodeIds(ids), ...(ttl !== undefined ? { ttl: String(ttl) } : {}) },
  });

  // A repair right after a read that saw no record (previous []): create, without listing again.
  const cached = u.previous?.length === 0 && cache["records"] === "" ? [] : decodeIds(cache["records"]);
  // A write that would reset an unconfigured TTL needs the TTL first: from the cache, else from a listing.
  const ttlKnown = u.ttl !== undefined || api.updateResetsTtl !== true || cachedTtl !== undefined || cached?.length === 0;
  if (cached !== null && ttlKnown && !sameSet(cached.map((r) => r.value), u.addresses)) {
    const ttl = u.ttl ?? cachedTtl;
    const r = await applyRecords(cached, u.addresses, api.ops(z, rel, type, ttl, c));
    if (r.ok) return done(r.value, u.ttl === undefined ? cachedTtl : undefined);
    if (r.failure.stale !== true) return withCache(r.failure, zoneCache);
  }
  const listed = await api.list(z, rel, type, c);
  if (!listed.ok) return withCache(listed.failure, zoneCache);
  const values = listed.value.map((r) => r.value);
  const foreign = foreignRecords(values, u);
  if (foreign.length > 0) return refuseForeign(u, c.provider, values, foreign);
  if (listed.value.length === 0 && api.conflicts !== undefined) {
    const other = await api.conflicts(z, rel, c);
    if (!other.ok) return withCache(other.failure, zoneCache);
    if (other.value.length > 0) {
      const what = other.value.map((r) => `${r.type} ${u.name} -> ${r.value}`).join(", ");
      return {
        kind: "permanent",
        reason:
          `${c.provider} holds ${what}, and an ${type} record cannot sit beside it; ddns does not delete records it did not create: ` +
          `delete it at ${c.provider} (a parking record such as pixie.porkbun.com is safe to remove) and ddns creates the ${type} record on its next run`,
      };
    }
  }
  // Only an API whose update resets an unconfigured TTL needs it written back (and remembered).
  const listedTtl = api.updateResetsTtl === true ? listed.value.find((r) => r.ttl !== undefined)?.ttl : undefined;
  const keepTtl = u.ttl === undefined ? listedTtl : undefined;
  if (listed.value.length === new Set(u.addresses.map(canonical)).size && sameSet(values, u.addresses) && (u.ttl === undefined || listedTtl === undefined || listedTtl === u.ttl)) {
    return { kind: "unchanged", cache: { ...zoneCache, records: encodeIds(listed.value), ...(keepTtl !== undefined ? { ttl: String(keepTtl) } : {}) } };
  }
  const ops = api.ops(z, rel, type, u.ttl ?? listedTtl, c);
  // Only the TTL differs: write it to the records that already hold the addresses.
  const r = sameSet(values, u.addresses) && listed.value.length === new Set(u.addresses.map(canonical)).size
    ? await retimeRecords(listed.value, ops)
    : await applyRecords(listed.value, u.addresses, ops);
  return r.ok ? done(r.value, keepTtl) : withCache(r.failure, zoneCache);
}

async function retimeRecords(records: readonly IdRecord[], ops: RecordOps): Promise<Result<IdRecord[]>> {
  for (const rec of records) {
    const r = await ops.update(rec.id, rec.value);
    if (!r.ok) return r;
  }
  return ok([...records]);
}

/** An RRset as an API shows it: its values and, where the API says, its TTL. */
export interface RrsetRead {
  values: string[];
  ttl?: number;
}

/** What an API that replaces a whole RRset (name and type) in one call supplies to `pushRrset`. */
export interface RrsetApi extends ZoneFinder {
  /** The RRset's values (and TTL), or null when there is none. */
  read(z: ZoneRef, rel: string, type: "A" | "AAAA", c: Ctx): Promise<Result<RrsetRead | null>>;
  /**
   * Replaces (or creates) the RRset. `ttl` is the TTL to write: the configured one,
   * else the one the RRset has (when read), else undefined (leave it, or the
   * provider's default for a new RRset). `exists` is what a read just showed, undefined if none was made.
   */
  write(z: ZoneRef, rel: string, type: "A" | "AAAA", values: readonly string[], ttl: number | undefined, exists: boolean | undefined, c: Ctx, currentTtl?: number): Promise<Result<void>>;
  /**
   * A write without a TTL resets it (Gandi's PUT, GoDaddy's PUT): without a configured
   * TTL the RRset is read first and its TTL written back.
   */
  writeResetsTtl?: boolean;
}

/**
 * Publishes one update through an RRset-replacing API. When state knows what was
 * published (`previous`), the change is one write, without a read (unless the write
 * would reset an unconfigured TTL). Otherwise (first run, after a reset) it reads
 * first: a round robin that is not ddns's is refused, an RRset that is already right
 * costs one read and is reported unchanged, and the TTL it has is written back.
 */
export async function pushRrset(u: RecordUpdate, api: RrsetApi, configuredZone: string, c: Ctx): Promise<PushOutcome | Failure> {
  const where = await resolveZone(u, api, configuredZone, c);
  if (!where.ok) return where.failure;
  const { z, rel } = where.value;
  const type = rrType(u);
  const cache: Record<string, string> = { zone: z.zone, zoneId: z.id };
  // previous [] : a read just saw no RRset (a repair of a deleted record), so it is created.
  let exists: boolean | undefined = u.previous?.length === 0 ? false : undefined;
  let ttl = u.ttl;
  // The TTL the RRset has: read now, else what the last write or read left in the cache.
  let currentTtl = u.cache?.["ttl"] !== undefined && /^\d+$/.test(u.cache["ttl"]) ? Number(u.cache["ttl"]) : undefined;
  if (api.writeResetsTtl === true) ttl ??= currentTtl;
  if (u.previous === null || (ttl === undefined && api.writeResetsTtl === true && exists !== false)) {
    const read = await api.read(z, rel, type, c);
    if (!read.ok) return withCache(read.failure, cache);
    const values = read.value?.values ?? [];
    const foreign = foreignRecords(values, u);
    if (foreign.length > 0) return refuseForeign(u, c.provider, values, foreign);
    currentTtl = read.value?.ttl;
    const ttlRight = u.ttl === undefined || currentTtl === undefined || currentTtl === u.ttl;
    if (read.value !== null && values.length === new Set(u.addresses.map(canonical)).size && sameSet(values, u.addresses) && ttlRight) {
      return { kind: "unchanged", cache: currentTtl === undefined ? cache : { ...cache, ttl: String(currentTtl) } };
    }
    exists = read.value !== null;
    if (api.writeResetsTtl === true) ttl ??= currentTtl;
  }
  const w = await api.write(z, rel, type, u.addresses, ttl, exists, c, currentTtl);
  const after = ttl ?? currentTtl;
  return w.ok ? { kind: "updated", cache: after === undefined ? cache : { ...cache, ttl: String(after) } } : withCache(w.failure, cache);
}

/** A listed TTL (a number, or a numeric string as Porkbun and ClouDNS send it) for IdRecord.ttl. */
export function ttlField(v: unknown): { ttl?: number } {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  return n === undefined || !Number.isFinite(n) ? {} : { ttl: n };
}

/**
 * The drift check's read (issue 17) through an id-per-record API: the zone (cached,
 * configured or probed) and one list of the name's records. The ids go back in the
 * cache, so a repair that follows is one request (an update of the id that drifted,
 * or a create when none is left).
 */
export async function readIdRecords(r: RecordRead, api: IdRecordApi, configuredZone: string, c: Ctx): Promise<ReadOutcome | Failure> {
  const where = await resolveZone(r, api, configuredZone, c);
  if (!where.ok) return where.failure;
  const { z, rel } = where.value;
  const listed = await api.list(z, rel, rrType(r), c);
  if (!listed.ok) return listed.failure;
  const ttl = api.updateResetsTtl === true ? listed.value.find((x) => x.ttl !== undefined)?.ttl : undefined;
  return {
    kind: "found",
    addresses: listed.value.map((x) => canonical(x.value)),
    cache: { zone: z.zone, zoneId: z.id, records: encodeIds(listed.value), ...(ttl !== undefined ? { ttl: String(ttl) } : {}) },
  };
}

/** The drift check's read through an RRset API: one GET of the name's RRset (none: `[]`). */
export async function readRrset(r: RecordRead, api: RrsetApi, configuredZone: string, c: Ctx): Promise<ReadOutcome | Failure> {
  const where = await resolveZone(r, api, configuredZone, c);
  if (!where.ok) return where.failure;
  const { z, rel } = where.value;
  const read = await api.read(z, rel, rrType(r), c);
  if (!read.ok) return read.failure;
  const ttl = read.value?.ttl;
  return { kind: "found", addresses: (read.value?.values ?? []).map(canonical), cache: { zone: z.zone, zoneId: z.id, ...(ttl !== undefined ? { ttl: String(ttl) } : {}) } };
}
