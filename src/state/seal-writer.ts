/**
 * Writing the idle seal (idle-seal.ts) at the end of a run that found nothing to do:
 * the IdleSeal collaborator of engine/reconcile.ts. Kept apart from idle-seal.ts,
 * which bin/ddns's shortcut bundles and must stay small.
 */
import type { Config } from "../config/types.js";
import type { IdleSeal } from "../engine/reconcile.js";
import { changedTooRecently, MAX_SEAL_MS, parseSeal, readSealText, SEAL_FORMAT, sealKey, sealWhere, writeSeal, type SealScope } from "./idle-seal.js";
import { FAMILIES } from "../ip-source/types.js";

/** Sources whose answer the seal can check again without the outside world. */
const SEALABLE_SOURCES = new Set(["static", "interface", "event"]);

export interface SealInvocation {
  config: string;
  stateDir: string;
  eventsDir: string;
  credentialsDir: string | undefined;
  procIfInet6: string;
  /** The config file's identity taken before it was read (idle-seal.ts identity()). */
  configIdentity: string;
  /** ddns's build: another build never trusts this one's seal. */
  version: string;
}

/** The seal of this invocation; undefined when its inputs cannot be checked cheaply (an http, dns or command source). */
export function createSealWriter(config: Config, inv: SealInvocation): IdleSeal | undefined {
  const scope = sealScope(config, inv);
  if (scope === undefined) return undefined;
  return {
    before: () => sealKey(scope),
    after: (r) => sealIfIdle(scope, config, inv, r),
  };
}

function sealScope(config: Config, inv: SealInvocation): SealScope | undefined {
  for (const f of FAMILIES) {
    const fc = config.families[f];
    if (fc.enabled && !fc.sources.every((s) => SEALABLE_SOURCES.has(s))) return undefined;
  }
  const origins = [...config.providers.values()].flatMap((p) => p.secretOrigins ?? []);
  return {
    ...sealWhere(inv, inv.credentialsDir, inv.procIfInet6),
    secretFiles: origins.filter((o) => !o.credential).map((o) => o.path),
    credentials: origins.filter((o) => o.credential).map((o) => o.path),
    ipv4Interfaces: config.families.ipv4.enabled && config.families.ipv4.sources.includes("interface"),
    ipv6Interfaces: config.families.ipv6.enabled && config.families.ipv6.sources.includes("interface"),
  };
}

/**
 * Writes the seal when this idle run's inputs provably did not move while it ran:
 * the config is the file that was read (its identity before the read is the identity
 * now), every secret file is the one that was read, the interfaces and the events
 * directory were the same before detection as after, and the state is what was
 * loaded (or what this run saved under its lock). The seal ends when the plan could
 * change by itself. Errors are ignored: the seal is only a shortcut, and an idle run
 * stays silent.
 */
function sealIfIdle(
  scope: SealScope,
  config: Config,
  inv: SealInvocation,
  r: { keyBefore: string; saved: boolean; changesAt: number | undefined; now: number },
): void {
  try {
    const keyAfter = sealKey(scope);
    if (keyAfter === undefined) return;
    const lines = (k: string): string[] => k.split("\n").filter((l) => !(r.saved && l.startsWith("state ")));
    const before = lines(r.keyBefore);
    const after = lines(keyAfter);
    if (before.join("\n") !== after.join("\n") || !after.includes(`config ${inv.configIdentity}`)) return;
    for (const p of config.providers.values()) {
      for (const o of p.secretOrigins ?? []) if (!after.includes(`${o.credential ? "credential" : "file"} ${o.path} ${o.identity}`)) return;
    }
    // A file changed within its file system's timestamp granularity may change again
    // with the same size and the same timestamp: its identity would not show it (git's
    // "racily clean" index entries). Such a run seals nothing; the next one will.
    const racy = [inv.configIdentity, ...[...config.providers.values()].flatMap((p) => (p.secretOrigins ?? []).filter((o) => !o.credential).map((o) => o.identity))];
    if (racy.some((id) => changedTooRecently(id, r.now))) return;
    // The plan knows when time alone would change it (engine/plan.ts).
    const until = Math.min(r.now + MAX_SEAL_MS, r.changesAt ?? Infinity);
    if (until <= r.now) return;
    const old = parseSeal(readSealText(scope.seal) ?? "");
    // Already sealed for these inputs: no write (a steady state writes nothing, even on tmpfs).
    const same = old !== undefined && old.version === inv.version && old.key === keyAfter && JSON.stringify(old.scope) === JSON.stringify(scope);
    if (same && old.at <= r.now && r.now < old.until && old.until <= until) return;
    writeSeal(scope.seal, { format: SEAL_FORMAT, version: inv.version, at: r.now, until, scope, key: keyAfter });
  } catch {
    // a shortcut, never a failure
  }
}
