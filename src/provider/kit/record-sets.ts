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
  /** The records of one relative name ("" = apex) and type. */
  list(z: ZoneRef, rel: string, type: "A" | "AAAA", c: Ctx): Promise<Result<IdRecord[]>>;
  ops(z: ZoneRef, rel: string, type: "A" | "AAAA", ttl: number | undefined, c: Ctx): RecordOps;
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
}

/** The zone of an update (cached, configured, or probed once) and the name relative to it. */
export async function resolveZone(u: Pick<RecordUpdate, "name" | "cache">, api: ZoneFinder, configuredZone: string, c: Ctx): Promise<Result<{ z: ZoneRef; rel: string }>> {
  const cache = u.cache ?? {};
  let z: ZoneRef;
  const cachedZone = cache["zone"];
  const cachedId = cache["zoneId"];
  if (cachedZone !== undefined && cachedId !== undefined && (configuredZone === "" || configuredZone === cachedZone)) {
    z = { zone: cachedZone, id: cachedId };
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
  const ops = api.ops(z, rel, type, u.ttl, c);
  const done = (ids: IdRecord[]): PushOutcome => ({ kind: "updated", cache: { ...zoneCache, records: encodeIds(ids) } });

  // A repair right after a read that saw no record (previous []): create, without listing again.
  const cached = u.previous?.length === 0 && cache["records"] === "" ? [] : decodeIds(cache["records"]);
  if (cached !== null && !sameSet(cached.map((r) => r.value), u.addresses)) {
    const r = await applyRecords(cached, u.addresses, ops);
    if (r.ok) return done(r.value);
    if (r.failure.stale !== true) return withCache(r.failure, zoneCache);
  }
  const listed = await api.list(z, rel, type, c);
  if (!listed.ok) return withCache(listed.failure, zoneCache);
  if (listed.value.length === new Set(u.addresses.map(canonical)).size && sameSet(listed.value.map((r) => r.value), u.addresses)) {
    return { kind: "unchanged", cache: { ...zoneCache, records: encodeIds(listed.value) } };
  }
  const r = await applyRecords(listed.value, u.addresses, ops);
  return r.ok ? done(r.value) : withCache(r.failure, zoneCache);
}

/** What an API that replaces a whole RRset (name and type) in one call supplies to `pushRrset`. */
export interface RrsetApi extends ZoneFinder {
  /** The RRset's values, or null when there is none. */
  read(z: ZoneRef, rel: string, type: "A" | "AAAA", c: Ctx): Promise<Result<string[] | null>>;
  /** Replaces (or creates) the RRset. `exists` is what a read just showed, undefined if none was made. */
  write(z: ZoneRef, rel: string, type: "A" | "AAAA", values: readonly string[], ttl: number | undefined, exists: boolean | undefined, c: Ctx): Promise<Result<void>>;
}

/**
 * Publishes one update through an RRset-replacing API. When state knows what was
 * published (`previous`), the change is one write, without a read. Otherwise (first
 * run, after a reset) it reads first and writes only when the values differ, so an
 * RRset that is already right costs one read and is reported unchanged.
 */
export async function pushRrset(u: RecordUpdate, api: RrsetApi, configuredZone: string, c: Ctx): Promise<PushOutcome | Failure> {
  const where = await resolveZone(u, api, configuredZone, c);
  if (!where.ok) return where.failure;
  const { z, rel } = where.value;
  const type = rrType(u);
  const cache = { zone: z.zone, zoneId: z.id };
  // previous [] : a read just saw no RRset (a repair of a deleted record), so it is created.
  let exists: boolean | undefined = u.previous?.length === 0 ? false : undefined;
  if (u.previous === null) {
    const read = await api.read(z, rel, type, c);
    if (!read.ok) return withCache(read.failure, cache);
    if (read.value !== null && read.value.length === new Set(u.addresses.map(canonical)).size && sameSet(read.value, u.addresses)) {
      return { kind: "unchanged", cache };
    }
    exists = read.value !== null;
  }
  const w = await api.write(z, rel, type, u.addresses, u.ttl, exists, c);
  return w.ok ? { kind: "updated", cache } : withCache(w.failure, cache);
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
  return { kind: "found", addresses: listed.value.map((x) => canonical(x.value)), cache: { zone: z.zone, zoneId: z.id, records: encodeIds(listed.value) } };
}

/** The drift check's read through an RRset API: one GET of the name's RRset (none: `[]`). */
export async function readRrset(r: RecordRead, api: RrsetApi, configuredZone: string, c: Ctx): Promise<ReadOutcome | Failure> {
  const where = await resolveZone(r, api, configuredZone, c);
  if (!where.ok) return where.failure;
  const { z, rel } = where.value;
  const read = await api.read(z, rel, rrType(r), c);
  if (!read.ok) return read.failure;
  return { kind: "found", addresses: (read.value ?? []).map(canonical), cache: { zone: z.zone, zoneId: z.id } };
}
