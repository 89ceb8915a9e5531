import { dirname, join, resolve } from "node:path";
import type { Config, ProviderEntry } from "../config/types.js";
import { DOC_CACHE_FILE } from "../config/doc-cache.js";
import { loadConfig } from "../config/load.js";
import { preview, reconcile, type ReconcileDeps } from "../engine/reconcile.js";
import type { Plan } from "../engine/types.js";
import { claimEvents } from "../ip-source/events.js";
import { detectAll } from "../ip-source/detect.js";
import { createLogger } from "../log/create.js";
import type { Logger } from "../log/types.js";
import { loadAddon, type SdNotify } from "../log/native.js";
import type { HttpClient } from "../net/types.js";
import { loadProvider, providerSpec } from "../provider/registry.js";
import type { DnsProvider } from "../provider/types.js";
import { createFileStore } from "../state/file-store.js";
import { acquireLock } from "../state/lock.js";
import { identity } from "../state/idle-seal.js";
import { createSealWriter } from "../state/seal-writer.js";
import { toldWarningsFile } from "../state/told-warnings.js";
import type { State } from "../state/types.js";
import { BUILD } from "../version.js";
import { parseServer, type DnsServer } from "../net/dns/server.js";
import { verifyPhase } from "../verify/schedule.js";
import type { Verifier } from "../verify/types.js";
import { EXIT, type RunOptions, type Runtime } from "./runtime.js";
import { deadlineSignal } from "../net/deadline.js";

/**
 * `ddns run`: the command surface of the run. It builds the collaborators of the use
 * case (engine/reconcile.ts) from the options and the runtime, runs it, and maps the
 * result to the exit statuses DESIGN.md fixes.
 */

/** node:os only when an interface source asks (process.getBuiltinModule: Node >= 20.16). */
const networkInterfaces = (): ReturnType<typeof import("node:os").networkInterfaces> => process.getBuiltinModule("node:os").networkInterfaces();

/** How long a run waits for another run's lock (ddns.service's TimeoutStartSec is 2 min). */
const LOCK_WAIT_MS = 60_000;

/** How long one run may spend on provider requests before it gives up (transient). */
const RUN_DEADLINE_MS = 90_000;

/** How long one DNS question of a drift check may take (resent once after 1 s). */
const DNS_QUESTION_MS = 3_000;

/** `ddns run`: reconcile once. Returns the exit status. */
export async function runCommand(opts: RunOptions, rt: Runtime): Promise<number> {
  // [push] secrets belong to ddns-push@.service (they may be its credential only).
  // Before the read: if the file changes while it is read, no idle seal is written.
  const configIdentity = identity(resolve(opts.config));
  // The parsed document is kept beside the idle seal (tmpfs): a full run with an
  // unchanged config skips the TOML parse (config/doc-cache.ts). A dry run only reads it.
  const docCache = { path: join(dirname(opts.eventsDir), DOC_CACHE_FILE), identity: configIdentity, build: BUILD, write: !opts.dryRun, now: rt.now() };
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir, pushSecrets: false, docCache });
  const logger = createLogger({ journal: rt.journal, secrets: secretsOf(config) });
  try {
    return opts.dryRun ? await dryRun(config, opts, rt) : await run(config, opts, rt, logger, configIdentity);
  } finally {
    await logger.close();
  }
}

async function run(config: Config, opts: RunOptions, rt: Runtime, logger: Logger, configIdentity: string): Promise<number> {
  const lockPath = join(dirname(opts.eventsDir), "ddns.lock");
  // Built on first need: a run that detects locally and has nothing to push
  // never creates an AbortSignal or a timer.
  let deadline: AbortSignal | undefined;
  const signal = (): AbortSignal => (deadline ??= deadlineSignal(RUN_DEADLINE_MS));
  const http = lazyHttp(rt);
  const deps: ReconcileDeps = {
    config,
    now: rt.now,
    random: rt.random,
    lock: { acquire: () => waitForLock(lockPath, rt) },
    events: { claim: () => claimEvents(opts.eventsDir, { allowedUids: [...new Set([0, rt.uid])], now: rt.now() }) },
    store: createFileStore(opts.stateDir, rt.now),
    detect: (events, memo) => detectAll(config.families, { events, http, networkInterfaces, procIfInet6: rt.procIfInet6, signal, gatewayMemo: memo }),
    provider: (entry) => buildProvider(entry, http, rt),
    logger,
    status: (text) => notifyStatus(rt, text),
    signal,
    force: opts.force,
  };
  if (rt.trigger !== undefined) deps.triggerUnit = rt.trigger;
  if (opts.verify === true || config.records.some((r) => r.verify !== "off")) deps.verify = verifyDeps(config, rt, http, opts.verify === true);
  const seal = opts.force
    ? undefined
    : createSealWriter(config, { ...opts, credentialsDir: rt.credentialsDir, procIfInet6: rt.procIfInet6, configIdentity, version: BUILD });
  if (seal !== undefined) deps.seal = seal;
  deps.toldWarnings = toldWarningsFile(dirname(opts.eventsDir));
  const notify = config.notify;
  if (notify !== undefined) {
    // The notify code is loaded only when a run has transitions to tell.
    deps.notifier = {
      notify: async (transitions) => {
        const m = await import("../notify/send.js");
        const results = await m.sendNotifications(notify, transitions, { http, now: rt.now, host: process.getBuiltinModule("node:os").hostname() });
        for (const r of results) if (!r.ok) logger.warn(`notification via ${r.channel} failed: ${r.detail}`);
      },
    };
  }
  const result = await reconcile(deps);
  if (result.kind === "busy") {
    rt.err(`another ddns run (pid ${result.pid}) still holds ${lockPath} after ${LOCK_WAIT_MS / 1000} s; trying again later`);
    return EXIT.transient;
  }
  return result.outcome === "permanent" ? EXIT.permanent : result.outcome === "transient" ? EXIT.transient : EXIT.ok;
}

/**
 * The drift checks' collaborators (issue 17): the host's phase of each record (from
 * its machine id), and a verifier that reads through the providers' APIs or asks the
 * zones' authoritative servers, found through `verify_resolvers` or the system's.
 */
export function verifyDeps(config: Config, rt: Runtime, http: () => Promise<HttpClient>, all: boolean): NonNullable<ReconcileDeps["verify"]> {
  let verifier: Promise<Verifier> | undefined;
  const build = (): Promise<Verifier> =>
    (verifier ??= import("../verify/verifier.js").then((m) =>
      m.createVerifier({
        config,
        provider: (entry) => buildProvider(entry, http, rt),
        resolvers: () => resolversOf(config, rt),
        authoritativePort: rt.authoritativePort,
        deadlineMs: DNS_QUESTION_MS,
      }),
    ));
  return {
    schedule: { phase: (key, intervalMs) => verifyPhase(rt.hostId(), key, intervalMs), all },
    verifier: { check: async (targets, signal) => (await build()).check(targets, signal) },
  };
}

/** `verify_resolvers`, else the system's; only what parses as an IP address with an optional port. */
function resolversOf(config: Config, rt: Runtime): DnsServer[] {
  const list = config.verifyResolvers.length > 0 ? config.verifyResolvers : rt.systemResolvers();
  return list.map(parseServer).filter((s): s is DnsServer => s !== null);
}

/**
 * Waits for a run in progress (an operator's `ddns run`, say) rather than exit at
 * once: exiting would leave the events in place, ddns.path would start us again at
 * once, and the path unit would run into its start limit.
 */
async function waitForLock(lockPath: string, rt: Runtime): ReturnType<ReconcileDeps["lock"]["acquire"]> {
  let lock = await acquireLock(lockPath, rt.pid, rt.now());
  const giveUpAt = rt.now() + LOCK_WAIT_MS;
  while (lock.kind === "held" && rt.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    lock = await acquireLock(lockPath, rt.pid, rt.now());
  }
  if (lock.kind === "held") return lock;
  const held = lock.lock;
  return { kind: "acquired", release: () => held.release() };
}

/** `--dry-run`: detect and plan, print the plan; no lock, no request, no write, events left in place. */
async function dryRun(config: Config, opts: RunOptions, rt: Runtime): Promise<number> {
  const state = await readOnlyState(createFileStore(opts.stateDir, rt.now).path);
  const detect: ReconcileDeps["detect"] = (events) =>
    detectAll(config.families, {
      events,
      http: lazyHttp(rt),
      networkInterfaces,
      procIfInet6: rt.procIfInet6,
      signal: () => deadlineSignal(RUN_DEADLINE_MS),
      gatewayMemo: state.gateway,
    });
  for (const w of config.warnings ?? []) rt.err(`warning: ${w.text}`);
  const p = await preview({ config, state, detect, now: rt.now, force: opts.force });
  for (const line of describePlan(p)) rt.out(line);
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
      case "verify":
        return `${who}: would check what is served (${a.via === "api" ? "provider API" : "authoritative DNS"}), expecting ${a.published.join(" ")}`;
    }
  });
}

export async function readOnlyState(path: string): Promise<State> {
  const { readFile } = await import("node:fs/promises");
  const { validate, emptyState } = await import("../state/file-store.js");
  try {
    const v = validate(await readFile(path, "utf8"));
    return typeof v === "string" ? emptyState() : v;
  } catch {
    return emptyState();
  }
}

export function lazyHttp(rt: Runtime): () => Promise<HttpClient> {
  let client: Promise<HttpClient> | undefined;
  return () => (client ??= import("../net/http.js").then((m) => m.createHttpClient({ userAgent: rt.userAgent })));
}

async function buildProvider(entry: ProviderEntry, http: () => Promise<HttpClient>, rt: Runtime): Promise<DnsProvider> {
  const spec = providerSpec(entry.type);
  if (spec === undefined) throw new Error(`unknown provider type ${entry.type}`);
  const create = await loadProvider(spec);
  return create(entry, { http: await http(), now: rt.now, userAgent: rt.userAgent });
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
  // A notification URL's path or query is often its key (healthchecks, webhooks).
  for (const u of [config.notify?.url, config.notify?.pingUrl, config.notify?.failUrl]) if (u) out.push(u, ...urlSecretParts(u));
  return out;
}

/**
 * STATUS= through sd_notify(3) from this process (ddns.service has NotifyAccess=main):
 * `systemctl status ddns` shows the text while a run is slow and after it. The sd-notify
 * addon is loaded on the first status only; without it there is no status text.
 */
function notifyStatus(rt: Runtime, text: string): void {
  if (!rt.notify) return;
  sdNotify ??= loadAddon("sd-notify") ?? null;
  try {
    sdNotify?.sendState(`STATUS=${text.replace(/\n/g, " ")}`);
  } catch {
    // STATUS= is a nicety: a failing addon changes nothing else.
  }
}

let sdNotify: SdNotify | null | undefined;

/** The parts of a secret URL that would leak it if shown alone: its path and query. */
function urlSecretParts(u: string): string[] {
  try {
    const url = new URL(u);
    return [url.pathname, url.search.slice(1), url.href].filter((x) => x.length >= 8 && x !== "/");
  } catch {
    return [];
  }
}
