/**
 * The run, top to bottom: the use case behind `ddns run` (DESIGN.md, "Shape").
 *
 *   lock -> claim events -> load state -> detect -> take in router pushes -> plan
 *     -> nothing to do: remember a push if one came, seal the idle inputs, done
 *        (no network, nothing written to the state directory)
 *     -> drift checks due (verify.ts): ask what is served, keep the answers, turn
 *        confirmed drift into repairs; only checks, no repair: save, seal, done
 *     -> else: status, record the intent, push (execute.ts), save, status
 *   always: the claimed events are removed and the lock released.
 *   then, if records changed state and [notify] is set: the Notifier, once.
 *
 * Every collaborator comes in through ReconcileDeps (built by src/cli/run.ts), so this
 * file reads no environment, opens no socket and touches no file itself.
 */
import type { Config, ProviderEntry } from "../config/types.js";
import type { ClaimedEvents } from "../ip-source/events.js";
import type { EventRecord } from "../ip-source/types.js";
import type { Logger, Transition } from "../log/types.js";
import type { DnsProvider } from "../provider/types.js";
import type { LoadResult, RunCause, State, StateStore } from "../state/types.js";
import { execute, type ExecuteResult } from "./execute.js";
import { plan } from "./plan.js";
import { intakePushes } from "./pushes.js";
import type { Action, FamilyDetection, Plan, RunTransition } from "./types.js";
import type { Verifier } from "../verify/types.js";
import { applyChecks, targetOf, type VerifyAction, type VerifySchedule } from "./verify.js";
import type { Family, GatewayMemo } from "../ip-source/types.js";
import { takeGatewayNotes } from "./gateway-notes.js";
import { tellConfigWarnings, type ToldWarnings } from "./config-warnings.js";

/** The run lock (state/lock.ts): waits its bounded while for a run in progress. */
export interface RunLock {
  acquire(): Promise<{ kind: "acquired"; release(): Promise<void> } | { kind: "held"; pid: number }>;
}

/** The events directory (ip-source/events.ts): claims what is there; `finish()` removes what was claimed. */
export interface EventStore {
  claim(): Promise<ClaimedEvents>;
}

/**
 * Detection of every family from the claimed events and the sources (ip-source/detect.ts).
 * `memo`: what the gateway source learned last run (state file).
 */
export type Detector = (events: readonly EventRecord[], memo?: GatewayMemo) => Promise<Record<Family, FamilyDetection>>;

/**
 * The idle seal (state/seal-writer.ts). `before()` snapshots the inputs a seal would
 * cover, before detection; `after()` seals them when they did not move meanwhile.
 * Never throws: a seal is a shortcut, never a failure.
 */
export interface IdleSeal {
  before(): string | undefined;
  after(r: { keyBefore: string; saved: boolean; changesAt: number | undefined; now: number }): void;
}

export interface ReconcileDeps {
  config: Config;
  now(): number;
  random(): number;
  lock: RunLock;
  events: EventStore;
  store: StateStore;
  detect: Detector;
  /** Builds (lazily loads) the provider of one entry. */
  provider(entry: ProviderEntry): Promise<DnsProvider>;
  logger: Logger;
  /** STATUS= for `systemctl status` (a no-op outside systemd). */
  status(text: string): void;
  /** The run's deadline for provider requests, created on first need. */
  signal(): AbortSignal;
  /** Absent: no seal (`--force`, or sources the seal cannot check). */
  seal?: IdleSeal;
  /** The config warnings already logged (tmpfs); absent: each run logs them. */
  toldWarnings?: ToldWarnings;
  /** Absent: no [notify]. Told once per run, after the lock is released, only when records changed state. */
  notifier?: Notifier;
  force: boolean;
  /** Drift checks (issue 17): when they are due, and who asks. Absent: no checks this run. */
  verify?: { schedule: VerifySchedule; verifier: Verifier };
  /** The unit that started this run ($TRIGGER_UNIT: ddns.timer, ddns.path), if any: `ddns status` says so. */
  triggerUnit?: string;
}

/**
 * Notifications (notify/send.ts behind a lazy import in cli/run.ts). Bounded by its
 * own timeout; must not throw (reconcile catches anyway): a notification never
 * fails or blocks a run.
 */
export interface Notifier {
  notify(transitions: readonly RunTransition[]): Promise<void>;
}

export type ReconcileResult =
  | { kind: "busy"; pid: number }
  | { kind: "done"; outcome: ExecuteResult["outcome"]; pushed: number };

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const transitions: RunTransition[] = [];
  const result = await reconcileLocked(deps, transitions);
  // After the lock is released: a slow receiver never holds up the next run.
  if (transitions.length > 0 && deps.notifier !== undefined) {
    try {
      await deps.notifier.notify(transitions);
    } catch (e) {
      deps.logger.warn(`notification failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return result;
}

async function reconcileLocked(deps: ReconcileDeps, transitions: RunTransition[]): Promise<ReconcileResult> {
  const lock = await deps.lock.acquire();
  if (lock.kind === "held") return { kind: "busy", pid: lock.pid };
  const claimed = await deps.events.claim();
  try {
    reportClaim(claimed, deps.logger);
    const store = deps.store;
    const loaded = await store.load();
    reportLoad(loaded, store.path, deps.logger);

    const quietStart = claimed.events.length === 0 && claimed.refused.length === 0 && claimed.warnings.length === 0 && loaded.kind !== "corrupt";
    const keyBefore = quietStart ? deps.seal?.before() : undefined;
    const detected = await deps.detect(claimed.events, loaded.state.gateway);
    const pushes = intakePushes(claimed.events, deps.config, loaded.state.pushes);
    for (const r of pushes.refused) deps.logger.warn(r);
    tellConfigWarnings(deps.config.warnings, deps.logger, deps.toldWarnings);
    const withGateway = takeGatewayNotes(loaded.state, detected.ipv4, deps.logger);
    const current: State = pushes.seen === undefined ? withoutPushes(withGateway) : { ...withGateway, pushes: pushes.seen };
    const planOf = (state: State): Plan =>
      plan({
        config: deps.config,
        detected,
        state,
        now: deps.now(),
        force: deps.force,
        pushed: pushes.pushed,
        ...(deps.verify !== undefined ? { verify: deps.verify.schedule } : {}),
      });
    const p = planOf(current);

    if (p.idle) {
      // No new request. The only writes: remembering a router's push for `ddns status`,
      // and the gateway source's memo or NAT situation when they changed.
      const saved = JSON.stringify(current) !== JSON.stringify(loaded.state);
      if (saved) await store.save(prune(current, deps.config));
      if (keyBefore !== undefined) deps.seal?.after({ keyBefore, saved, changesAt: p.changesAt, now: deps.now() });
      return { kind: "done", outcome: "ok", pushed: 0 };
    }

    // Drift checks: what is served, kept in state; confirmed drift becomes one repair push each.
    let working = current;
    let actions: Action[] = p.actions;
    const checks = p.actions.filter((a): a is VerifyAction => a.kind === "verify");
    if (checks.length > 0 && deps.verify !== undefined) {
      deps.status(`checking ${checks.length} record(s) at the provider`);
      const answers = await deps.verify.verifier.check(
        checks.map((a) => targetOf(a, current)),
        deps.signal(),
      );
      const applied = applyChecks(checks, answers, current, deps.now());
      working = applied.state;
      actions = [...p.actions.filter((a) => a.kind !== "verify"), ...applied.repairs];
    }
    const work: Plan = { actions, idle: false };
    if (!actions.some((a) => a.kind === "push")) {
      // Only checks, nothing to repair: their answers are saved, and the seal ends at the next check.
      const next = prune(working, deps.config);
      await store.save(next);
      const after = planOf(working);
      if (keyBefore !== undefined && after.idle) deps.seal?.after({ keyBefore, saved: true, changesAt: after.changesAt, now: deps.now() });
      return { kind: "done", outcome: "ok", pushed: 0 };
    }

    deps.status(`updating ${actions.filter((a) => a.kind === "push").length} record(s)`);
    const intent = await saveIntent(store, working, work);
    const result = await execute(work, working, {
      config: deps.config,
      now: deps.now,
      random: deps.random,
      provider: deps.provider,
      logger: deps.notifier === undefined ? deps.logger : collecting(deps.logger, transitions, deps.now),
      signal: deps.signal(),
    });
    // What started this pushing run, for `ddns status` (idle runs write nothing, so it is the last one that pushed).
    const next: State = { ...prune(result.state, deps.config), lastRun: lastRunOf(causeOf(claimed.events, deps.triggerUnit), claimed.events, deps.now()) };
    if (intent || JSON.stringify(next) !== JSON.stringify(loaded.state)) await store.save(next);
    deps.status(result.outcome === "ok" ? "records current" : `last run: ${result.outcome} failure`);
    return { kind: "done", outcome: result.outcome, pushed: result.pushed };
  } finally {
    await claimed.finish();
    await lock.release();
  }
}

/** `--dry-run`: detect and plan with the state as it is; no lock, no request, no write, events left in place. */
export async function preview(deps: { config: Config; state: State; detect: Detector; now(): number; force: boolean }): Promise<Plan> {
  const detected = await deps.detect([]);
  return plan({ config: deps.config, detected, state: deps.state, now: deps.now(), force: deps.force });
}

/** What started a run: its events if it read any, else the unit that started it. */
export function causeOf(events: readonly EventRecord[], triggerUnit: string | undefined): RunCause {
  if (events.some((e) => e.source === "push")) return "push";
  if (events.length > 0) return "event";
  if (triggerUnit === "ddns.timer") return "timer";
  // ddns.path with an empty events directory: the config file was written.
  if (triggerUnit === "ddns.path") return "config";
  return "manual";
}

function lastRunOf(cause: RunCause, events: readonly EventRecord[], now: number): NonNullable<State["lastRun"]> {
  const out: NonNullable<State["lastRun"]> = { at: now, cause };
  const shown = events
    .slice(0, 4)
    .map((e) => (e.source === "push" ? `push for ${e.name ?? "?"}${e.from ? ` from ${e.from}` : ""}` : `${e.iface ?? e.file} (${e.source}${e.action ? ` ${e.action}` : ""})`));
  if (shown.length > 0) out.events = shown;
  return out;
}

const EVENT_OF: Partial<Record<Transition["kind"], RunTransition["event"]>> = {
  "record-updated": "updated",
  "push-failed": "failed",
  "record-recovered": "recovered",
  "record-latched": "latched",
  // A drift repair put our addresses back at the provider: told as an update.
  "record-repaired": "updated",
};

/** The run's logger, also keeping each record transition for the Notifier. */
function collecting(logger: Logger, into: RunTransition[], now: () => number): Logger {
  return {
    transition(t) {
      logger.transition(t);
      const event = EVENT_OF[t.kind];
      if (event === undefined || t.record === undefined || t.family === undefined) return;
      const r: RunTransition = { event, record: t.record, family: t.family, message: t.message, at: now() };
      if (t.provider !== undefined) r.provider = t.provider;
      if (t.old !== undefined && t.old !== "") r.old = t.old;
      if (t.new !== undefined && t.new !== "") r.new = t.new;
      into.push(r);
    },
    warn: (m) => logger.warn(m),
    close: () => logger.close(),
  };
}

function reportClaim(claimed: ClaimedEvents, logger: Logger): void {
  for (const r of claimed.refused) {
    logger.transition({ kind: "event-refused", priority: 4, message: `refused event file ${r.file}: ${r.reason}` });
  }
  for (const w of claimed.warnings) logger.warn(`event file ${w}`);
}

function reportLoad(loaded: LoadResult, path: string, logger: Logger): void {
  if (loaded.kind !== "corrupt") return;
  logger.transition({
    kind: "state-reset",
    priority: 4,
    message: `the state file ${path} was unusable (${loaded.reason}); it was set aside as ${loaded.setAside} and will be rebuilt`,
  });
}

/**
 * Before pushing, records that what the provider holds for each pushed record is
 * unknown (published null, no cached ids). Should the run be killed between the
 * provider's change and the final save, the next run then looks the record up
 * instead of pushing blindly from a stale cache, so it never pushes an address the
 * provider already has. If the state cannot be written the push still goes ahead
 * (the final save reports it). Returns whether the intent was written.
 * Not fsynced (`durable: false`): the intent guards against a killed run, for which
 * the page cache is enough; a power cut that loses it leaves the state before the run
 * (or, on a file system that does not order data before renames, a file that loads as
 * corrupt and is rebuilt), and the next run looks up or resends as it would anyway.
 * One fsync fewer per pushing run (the final save keeps the file's: FileStore).
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
    await store.save({ ...state, records }, { durable: false });
    return true;
  } catch {
    return false;
  }
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
  if (state.accounts === undefined) return { ...state, records };
  const accounts = Object.fromEntries(Object.entries(state.accounts).filter(([name]) => config.providers.has(name)));
  return { ...state, records, accounts };
}
