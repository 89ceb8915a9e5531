import { dirname, join, resolve } from "node:path";
import type { Config, ProviderEntry } from "../config/types.js";
import { loadConfig } from "../config/load.js";
import { execute } from "../engine/run.js";
import { plan } from "../engine/plan.js";
import { intakePushes } from "../engine/pushes.js";
import type { Plan } from "../engine/types.js";
import { claimEvents } from "../ip-source/events.js";
import { detectAll } from "../ip-source/detect.js";
import { createLogger } from "../log/create.js";
import type { Logger } from "../log/types.js";
import type { HttpClient } from "../net/types.js";
import { loadProvider, providerSpec } from "../provider/registry.js";
import type { DnsProvider } from "../provider/types.js";
import { createFileStore } from "../state/file-store.js";
import { acquireLock } from "../state/lock.js";
import { changedTooRecently, identity, MAX_SEAL_MS, SEAL_FORMAT, parseSeal, readSealText, sealKey, sealWhere, writeSeal, type SealScope } from "../state/idle-seal.js";
import { FAMILIES } from "../ip-source/types.js";
import { BUILD } from "../version.js";
import type { State, StateStore } from "../state/types.js";
import { EXIT, type RunOptions, type Runtime } from "./runtime.js";
import { networkInterfaces } from "node:os";

/** How long a run waits for another run's lock (ddns.service's TimeoutStartSec is 2 min). */
const LOCK_WAIT_MS = 60_000;

/** How long one run may spend on provider requests before it gives up (transient). */
const RUN_DEADLINE_MS = 90_000;

/** `ddns run`: reconcile once. Returns the exit status. */
export async function runCommand(opts: RunOptions, rt: Runtime): Promise<number> {
  // [push] secrets belong to ddns-push@.service (they may be its credential only).
  // Before the read: if the file changes while it is read, no idle seal is written.
  const configIdentity = identity(resolve(opts.config));
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir, pushSecrets: false });
  const logger = createLogger({ journal: rt.journal, secrets: secretsOf(config) });
  try {
    return opts.dryRun ? await dryRun(config, opts, rt, logger) : await reconcile(config, opts, rt, logger, configIdentity);
  } finally {
    await logger.close();
  }
}

async function reconcile(config: Config, opts: RunOptions, rt: Runtime, logger: Logger, configIdentity: string): Promise<number> {
  const lockPath = join(dirname(opts.eventsDir), "ddns.lock");
  // Wait for a run in progress (an operator's `ddns run`, say) rather than exit at
  // once: exiting would leave the events in place, ddns.path would start us again at
  // once, and the path unit would run into its start limit.
  let lock = await acquireLock(lockPath, rt.pid, rt.now());
  const giveUpAt = rt.now() + LOCK_WAIT_MS;
  while (lock.kind === "held" && rt.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    lock = await acquireLock(lockPath, rt.pid, rt.now());
  }
  if (lock.kind === "held") {
    rt.err(`another ddns run (pid ${lock.pid}) still holds ${lockPath} after ${LOCK_WAIT_MS / 1000} s; trying again later`);
    return EXIT.transient;
  }
  const claimed = await claimEvents(opts.eventsDir, { allowedUids: [...new Set([0, rt.uid])], now: rt.now() });
  try {
    for (const r of claimed.refused) {
      logger.transition({ kind: "event-refused", priority: 4, message: `refused event file ${r.file}: ${r.reason}` });
    }
    for (const w of claimed.warnings) logger.warn(`event file ${w}`);
    const store = createFileStore(opts.stateDir, rt.now);
    const loaded = await store.load();
    if (loaded.kind === "corrupt") {
      logger.transition({
        kind: "state-reset",
        priority: 4,
        message: `the state file ${store.path} was unusable (${loaded.reason}); it was set aside as ${loaded.setAside} and will be rebuilt`,
      });
    }
    // Built on first need: a run that detects locally and has nothing to push
    // never creates an AbortSignal or a timer.
    let deadline: AbortSignal | undefined;
    const signal = (): AbortSignal => (deadline ??= AbortSignal.timeout(RUN_DEADLINE_MS));
    const http = lazyHttp(rt);
    // The inputs as they are before detection; see sealIfIdle.
    const scope = opts.force ? undefined : sealScope(config, opts, rt);
    const quietStart = claimed.events.length === 0 && claimed.refused.length === 0 && claimed.warnings.length === 0 && loaded.kind !== "corrupt";
    const keyBefore = scope !== undefined && quietStart ? sealKey(scope) : undefined;
    const detected = await detectAll(config.families, {
      events: claimed.events,
      http,
      networkInterfaces,
      procIfInet6: rt.procIfInet6,
      signal,
    });
    const pushes = intakePushes(claimed.events, config, loaded.state.pushes);
    for (const r of pushes.refused) logger.warn(r);
    const current: State = pushes.seen === undefined ? withoutPushes(loaded.state) : { ...loaded.state, pushes: pushes.seen };
    const p = plan({ config, detected, state: current, now: rt.now(), force: opts.force, pushed: pushes.pushed });
    if (p.idle) {
      // No network. The only write: remembering a router's push for `ddns status`.
      const saved = JSON.stringify(current) !== JSON.stringify(loaded.state);
      if (saved) await store.save(prune(current, config));
      if (scope !== undefined && keyBefore !== undefined) sealIfIdle(scope, { keyBefore, configIdentity, saved, config, changesAt: p.changesAt, now: rt.now() });
      return EXIT.ok;
    }
    notifyStatus(rt, `updating ${p.actions.filter((a) => a.kind === "push").length} record(s)`);
    const intent = await saveIntent(store, current, p);
    const result = await execute(p, current, {
      config,
      now: rt.now,
      random: rt.random,
      provider: (entry) => buildProvider(entry, http, rt),
      logger,
      signal: signal(),
    });
    const next = prune(result.state, config);
    if (intent || JSON.stringify(next) !== JSON.stringify(loaded.state)) await store.save(next);
    notifyStatus(rt, result.outcome === "ok" ? "records current" : `last run: ${result.outcome} failure`);
    return result.outcome === "permanent" ? EXIT.permanent : result.outcome === "transient" ? EXIT.transient : EXIT.ok;
  } finally {
    await claimed.finish();
    await lock.lock.release();
  }
}

/** Sources whose answer the seal can check again without the outside world. */
const SEALABLE_SOURCES = new Set(["static", "interface", "event"]);

/** What an idle seal of this run would cover; undefined if its inputs cannot be checked cheaply. */
function sealScope(config: Config, opts: RunOptions, rt: Runtime): SealScope | undefined {
  for (const f of FAMILIES) {
    const fc = config.families[f];
    if (fc.enabled && !fc.sources.every((s) => SEALABLE_SOURCES.has(s))) return undefined;
  }
  const origins = [...config.providers.values()].flatMap((p) => p.secretOrigins ?? []);
  return {
    ...sealWhere(opts, rt.credentialsDir, rt.procIfInet6),
    secretFiles: origins.filter((o) => !o.credential).map((o) => o.path),
    credentials: origins.filter((o) => o.credential).map((o) => o.path),
    ipv4Interfaces: config.families.ipv4.enabled && config.families.ipv4.sources.includes("interface"),
    ipv6Interfaces: config.families.ipv6.enabled && config.families.ipv6.sources.includes("interface"),
  };
}

/**
 * Writes the idle seal (state/idle-seal.ts) when this idle run's inputs provably did
 * not move while it ran: the config is the file that was read (its identity before
 * the read is the identity now), every secret file is the one that was read, the
 * interfaces and the events directory were the same before detection as after, and
 * the state is what was loaded (or what this run saved under its lock). The seal ends
 * when the plan could change by itself. Errors are ignored: the seal is only a
 * shortcut, and an idle run stays silent.
 */
function sealIfIdle(
  scope: SealScope,
  r: { keyBefore: string; configIdentity: string; saved: boolean; config: Config; changesAt: number | undefined; now: number },
): void {
  try {
    const keyAfter = sealKey(scope);
    if (keyAfter === undefined) return;
    const lines = (k: string): string[] => k.split("\n").filter((l) => !(r.saved && l.startsWith("state ")));
    const before = lines(r.keyBefore);
    const after = lines(keyAfter);
    if (before.join("\n") !== after.join("\n") || !after.includes(`config ${r.configIdentity}`)) return;
    for (const p of r.config.providers.values()) {
      for (const o of p.secretOrigins ?? []) if (!after.includes(`${o.credential ? "credential" : "file"} ${o.path} ${o.identity}`)) return;
    }
    // A file changed within its file system's timestamp granularity may change again
    // with the same size and the same timestamp: its identity would not show it (git's
    // "racily clean" index entries). Such a run seals nothing; the next one will.
    const racy = [r.configIdentity, ...[...r.config.providers.values()].flatMap((p) => (p.secretOrigins ?? []).filter((o) => !o.credential).map((o) => o.identity))];
    if (racy.some((id) => changedTooRecently(id, r.now))) return;
    // The plan knows when time alone would change it (engine/plan.ts).
    const until = Math.min(r.now + MAX_SEAL_MS, r.changesAt ?? Infinity);
    if (until <= r.now) return;
    const old = parseSeal(readSealText(scope.stateDir) ?? "");
    // Already sealed for these inputs: no write (a steady state writes nothing).
    const same = old !== undefined && old.version === BUILD && old.key === keyAfter && JSON.stringify(old.scope) === JSON.stringify(scope);
    if (same && old.at <= r.now && r.now < old.until && old.until <= until) return;
    writeSeal(scope.stateDir, { format: SEAL_FORMAT, version: BUILD, at: r.now, until, scope, key: keyAfter });
  } catch {
    // a shortcut, never a failure
  }
}

/**
 * Before pushing, records that what the provider holds for each pushed record is
 * unknown (published null, no cached ids). Should the run be killed between the
 * provider's change and the final save, the next run then looks the record up
 * instead of pushing blindly from a stale cache, so it never pushes an address the
 * provider already has. If the state cannot be written the push still goes ahead
 * (the final save reports it). Returns whether the intent was written.
 */
async function saveIntent(store: StateStore, state: State, p: Plan): Promise<boolean> {
  const records = { ...state.records };
  let changed = false;
  for (const a of p.actions) {
    const r = records[a.key];
    if (a.kind !== "push" || r === undefined || (r.published === null && r.cache === undefined)) continue;
    const { cache: _cache, ...rest } = r;
    records[a.key] = { ...rest, published: null };
    changed = true;
  }
  if (!changed) return false;
  try {
    await store.save({ ...state, records });
    return true;
  } catch {
    return false;
  }
}

/** `--dry-run`: detect and plan, print the plan; no lock, no request, no write, events left in place. */
async function dryRun(config: Config, opts: RunOptions, rt: Runtime, logger: Logger): Promise<number> {
  const store = createFileStore(opts.stateDir, rt.now);
  const state = await readOnlyState(store.path);
  const detected = await detectAll(config.families, {
    events: [],
    http: lazyHttp(rt),
    networkInterfaces,
    procIfInet6: rt.procIfInet6,
    signal: () => AbortSignal.timeout(RUN_DEADLINE_MS),
  });
  const p = plan({ config, detected, state, now: rt.now(), force: opts.force });
  for (const line of describePlan(p)) rt.out(line);
  void logger;
  return EXIT.ok;
}

export function describePlan(p: Plan): string[] {
  if (p.actions.length === 0) return ["no records are configured: nothing to do"];
  return p.actions.map((a) => {
    const who = `${a.record.name} (${a.family})`;
    switch (a.kind) {
      case "push":
        return `${who}: would push ${a.addresses.join(" ")} (${a.why}${a.previous ? `, published ${a.previous.join(" ")}` : ""})`;
      case "noop":
        return `${who}: nothing to do (${a.why})`;
      case "wait":
        return `${who}: waiting out a backoff until ${new Date(a.until).toISOString()}`;
      case "latched":
        return `${who}: latched off: ${a.reason}`;
    }
  });
}

async function readOnlyState(path: string): Promise<State> {
  const { readFile } = await import("node:fs/promises");
  const { validate, emptyState } = await import("../state/file-store.js");
  try {
    const v = validate(await readFile(path, "utf8"));
    return typeof v === "string" ? emptyState() : v;
  } catch {
    return emptyState();
  }
}

function lazyHttp(rt: Runtime): () => Promise<HttpClient> {
  let client: Promise<HttpClient> | undefined;
  return () => (client ??= import("../net/http.js").then((m) => m.createHttpClient({ userAgent: rt.userAgent })));
}

async function buildProvider(entry: ProviderEntry, http: () => Promise<HttpClient>, rt: Runtime): Promise<DnsProvider> {
  const spec = providerSpec(entry.type);
  if (spec === undefined) throw new Error(`unknown provider type ${entry.type}`);
  const create = await loadProvider(spec);
  return create(entry, { http: await http(), now: rt.now, userAgent: rt.userAgent });
}

function withoutPushes(state: State): State {
  if (state.pushes === undefined) return state;
  const { pushes: _dropped, ...rest } = state;
  return rest;
}

/** Drops state of records no longer configured: state stays bounded by the config. */
function prune(state: State, config: Config): State {
  const keep = new Set(config.records.flatMap((r) => r.families.map((f) => `${r.name}/${f}`)));
  const records = Object.fromEntries(Object.entries(state.records).filter(([k]) => keep.has(k)));
  return { ...state, records };
}

export function secretsOf(config: Config): string[] {
  const out: string[] = [];
  for (const p of config.providers.values()) {
    for (const k of p.secretKeys) {
      const v = p.values[k];
      if (typeof v === "string") out.push(v);
    }
  }
  if (config.push?.password) out.push(config.push.password);
  if (config.push?.token) out.push(config.push.token);
  return out;
}

function notifyStatus(rt: Runtime, text: string): void {
  if (!rt.notify) return;
  try {
    // Loaded on this path only (process.getBuiltinModule: Node >= 20.16).
    const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);
    (require("sd-notify") as { sendStatus(s: string): void }).sendStatus(text);
  } catch {
    // The addon is optional (not in the Debian package): STATUS= is a nicety.
  }
}
