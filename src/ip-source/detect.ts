/**
 * Detection for every family: each family's sources are tried in config order and the
 * first "found" wins. Families run in parallel.
 *
 * Cost on the no-op path: the event, interface and static sources are loaded with
 * this module; http, dns and command are loaded with `import()` only when their turn
 * comes, and the HTTP client factory is called at most once, only by the http source.
 * A source that throws (a bug) is reported as unavailable, never thrown on.
 */
import type { NetworkInterfaceInfo } from "node:os";
import type { FamilyConfig } from "../config/types.js";
import type { FamilyDetection } from "../engine/types.js";
import type { HttpClient } from "../net/types.js";
import type { Detection, DetectionNotes, EventRecord, Family, GatewayMemo, IpSource, SourceName } from "./types.js";
import { FAMILIES } from "./types.js";
import { createEventSource } from "./event.js";
import { createInterfaceSource } from "./interface.js";
import { createStaticSource } from "./static.js";

export interface DetectDeps {
  /** The events this run claimed (events.ts). */
  events: readonly EventRecord[];
  /** A client, or a factory called lazily (at most once) when an http source runs. */
  http: HttpClient | (() => Promise<HttpClient>);
  networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Normally "/proc/net/if_inet6". */
  procIfInet6: string;
  /** Normally "/proc/net/route" (the gateway source's default route). */
  procNetRoute?: string;
  /** What the gateway source learned last run (state file). */
  gatewayMemo?: GatewayMemo | undefined;
  /** The run's deadline; a factory is called only if a source that waits runs. */
  signal: AbortSignal | (() => AbortSignal);
}

/** Builds one source; the deps' http factory is shared through `getHttp`. */
export async function loadSource(name: SourceName, cfg: FamilyConfig, deps: DetectDeps, getHttp: () => Promise<HttpClient>): Promise<IpSource> {
  switch (name) {
    case "static":
      return createStaticSource(cfg);
    case "event":
      return createEventSource(cfg, deps.events, deps);
    case "interface":
      return createInterfaceSource(cfg, deps);
    case "http":
      return (await import("./http.js")).createHttpSource(cfg, getHttp);
    case "dns":
      return (await import("./dns.js")).createDnsSource(cfg);
    case "command":
      return (await import("./command.js")).createCommandSource(cfg);
    case "gateway":
      return (await import("./gateway.js")).createGatewaySource(cfg, { procNetRoute: deps.procNetRoute ?? "/proc/net/route", memo: deps.gatewayMemo });
  }
}

/** Sources that answer from local data at once: no deadline, no signal. */
const LOCAL: ReadonlySet<SourceName> = new Set<SourceName>(["static", "event", "interface"]);

/** The run's signal; a factory is called only when a source needs it (see IpSource). */
function runSignal(deps: DetectDeps): AbortSignal {
  return typeof deps.signal === "function" ? deps.signal() : deps.signal;
}

/** Runs one source with the family's deadline; never throws. */
export async function runSource(name: SourceName, family: Family, cfg: FamilyConfig, deps: DetectDeps, getHttp: () => Promise<HttpClient>): Promise<Detection> {
  if (LOCAL.has(name)) {
    try {
      return await (await loadSource(name, cfg, deps, getHttp)).detect(family);
    } catch (e) {
      return { kind: "unavailable", source: name, reason: `failed: ${(e as Error)?.message ?? String(e)}` };
    }
  }
  const outer = runSignal(deps);
  const signal = AbortSignal.any([outer, AbortSignal.timeout(cfg.timeoutMs)]);
  try {
    const source = await loadSource(name, cfg, deps, getHttp);
    return await source.detect(family, signal);
  } catch (e) {
    const why = outer.aborted ? "aborted" : signal.aborted ? `timed out after ${cfg.timeoutMs} ms` : `failed: ${(e as Error)?.message ?? String(e)}`;
    return { kind: "unavailable", source: name, reason: why };
  }
}

/** The http client factory, memoised so both families share one client. */
export function lazyHttp(http: DetectDeps["http"]): () => Promise<HttpClient> {
  if (typeof http !== "function") return () => Promise.resolve(http);
  let p: Promise<HttpClient> | undefined;
  return () => (p ??= http());
}

export async function detectFamily(family: Family, cfg: FamilyConfig, deps: DetectDeps, getHttp: () => Promise<HttpClient>): Promise<FamilyDetection> {
  if (!cfg.enabled) return { kind: "disabled" };
  const reasons: string[] = [];
  let last: Detection | undefined;
  let aborted = false;
  // What an earlier source found out (the router is behind CGNAT, what it said, what
  // to ask next time) stays on the family's result when a later source answers.
  const notes: DetectionNotes = {};
  for (const name of cfg.sources) {
    if (!LOCAL.has(name) && runSignal(deps).aborted) {
      aborted = true;
      break;
    }
    const d = await runSource(name, family, cfg, deps, getHttp);
    if (d.gateway !== undefined) notes.gateway = d.gateway;
    if (d.nat !== undefined) notes.nat = d.nat;
    if (d.memo !== undefined) notes.memo = d.memo;
    if (d.kind === "found") return { ...d, ...notes };
    reasons.push(`${name}: ${d.reason}`);
    last = d;
  }
  if (!last) return { kind: "unavailable", source: cfg.sources[0] ?? "static", reason: aborted ? "aborted" : "no source configured" };
  return { kind: "unavailable", source: last.source, reason: reasons.join("; "), ...notes };
}

export async function detectAll(families: Record<Family, FamilyConfig>, deps: DetectDeps): Promise<Record<Family, FamilyDetection>> {
  const getHttp = lazyHttp(deps.http);
  const results = await Promise.all(FAMILIES.map((f) => detectFamily(f, families[f], deps, getHttp)));
  return { ipv4: results[0]!, ipv6: results[1]! };
}
