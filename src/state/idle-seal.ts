/**
 * The idle seal: a run that found nothing to do records *why* it could know that,
 * so that the next run with exactly the same inputs exits before loading the
 * reconciler at all (bin/ddns -> dist/ddns-start.cjs, src/quick.ts).
 *
 * A run's plan is a pure function of its inputs (engine/plan.ts): the config, the
 * secrets' sources (they decide latches), the state file, the events, the detected
 * addresses and the time. The seal is written only when every one of those can be
 * checked again with a handful of system calls and no network:
 * - config file, state file, secret files: identity (device, inode, size, mtime and
 *   ctime in ns, mode, owner); a credential: its size (systemd writes credentials
 *   afresh at every start, as the fingerprint in config/secrets.ts already allows);
 * - events: the events directory holds nothing at all, and no run holds the lock;
 * - detection: only `static`, `interface` and `event` sources (an `http`, `dns` or
 *   `command` source needs the outside world, so such a config is never sealed); the
 *   raw inputs of the interface source (the IPv4 list os.networkInterfaces() gives,
 *   the text of /proc/net/if_inet6) are part of the key;
 * - time: the seal ends at the first instant the plan could change by itself (a
 *   backoff ending, a refresh falling due) and after one day at the latest, so a
 *   full run happens at least daily whatever happens.
 * Anything that differs, or any doubt (a missing or unreadable file, a bad seal),
 * means a full run, which is always correct; the seal only ever skips work that a
 * full run would have found empty. It holds no secret: paths, stat numbers and
 * interface addresses only. Everything here is synchronous and small on purpose: it
 * runs before anything else is loaded.
 *
 * The seal lives on tmpfs beside the lock and the events directory (/run/ddns/idle.json),
 * never in the state directory: a run that finds nothing to do writes nothing there,
 * not even the first idle run after a change (SD cards, read-only roots). It is
 * disposable: after a reboot /run is empty and the first run is a full one.
 */
import { closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import type { BigIntStats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export const SEAL_FILE = "idle.json";
export const SEAL_FORMAT = 2;
/** A seal is never trusted for longer than this: a full run at least once a day. */
export const MAX_SEAL_MS = 86_400_000;

/** What the invocation says; a seal is used only by an invocation with the same. */
export interface SealWhere {
  /** Absolute path of the config file. */
  config: string;
  stateDir: string;
  eventsDir: string;
  /** The lock the reconciler takes (a run in progress means: no shortcut); derived from eventsDir, never taken from a seal. */
  lock: string;
  /** The seal file itself, beside the lock; derived from eventsDir like it. */
  seal: string;
  credentialsDir: string;
  procIfInet6: string;
}

/** What a seal covers: where the inputs are. Everything else is in the key. */
export interface SealScope extends SealWhere {
  /** Secret files (K_file), absolute paths. */
  secretFiles: string[];
  /** Credentials (K_credential), absolute paths under credentialsDir. */
  credentials: string[];
  /** Families whose sources include `interface`. */
  ipv4Interfaces: boolean;
  ipv6Interfaces: boolean;
}

export interface Seal {
  format: number;
  /** ddns's version: another program never trusts this one's seal. */
  version: string;
  /** epoch ms when written, and until when it holds */
  at: number;
  until: number;
  scope: SealScope;
  key: string;
}

/** A file's identity from its stat: any write, rename over, chmod or chown changes it. */
export function statIdentity(s: BigIntStats): string {
  return [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, s.mode, s.uid, s.gid].join(":");
}

/**
 * Whether a statIdentity (dev:ino:size:mtimeNs:ctimeNs:...) shows a change (ctime) so
 * recent that a further change could carry the same timestamp. Linux stamps files from
 * a clock that moves once per tick (4 or 10 ms): 20 ms is safely past one. A ctime
 * with no sub-second part comes from a file system that keeps whole (or even) seconds
 * (ext4 with 128-byte inodes, FAT): there, 3 s.
 */
export function changedTooRecently(identity: string, now: number): boolean {
  const ctimeNs = identity.split(":")[4];
  if (ctimeNs === undefined || !isDigits(ctimeNs)) return true;
  const ns = BigInt(ctimeNs);
  const windowMs = ns % 1_000_000_000n === 0n ? 3000n : 20n;
  return BigInt(now) * 1_000_000n - ns < windowMs * 1_000_000n;
}

/** One or more of 0-9 (by hand: a regular expression is compiled on its first use in a run). */
function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** What stands in a key for an input that could not be read: "!CODE". */
function unreadable(e: unknown): string {
  return `!${(e as NodeJS.ErrnoException).code ?? "error"}`;
}

/** statIdentity of a path (following symlinks, as reading it does), or "!CODE". */
export function identity(path: string): string {
  try {
    return statIdentity(statSync(path, { bigint: true }));
  } catch (e) {
    return unreadable(e);
  }
}

function sizeOf(path: string): string {
  try {
    return String(statSync(path).size);
  } catch (e) {
    return unreadable(e);
  }
}

/** The IPv4 part of os.networkInterfaces(): all the interface source looks at. */
function ipv4Inputs(): string {
  try {
    // node:os only when an interface source asks (process.getBuiltinModule: Node >= 20.16).
    const all = process.getBuiltinModule("node:os").networkInterfaces();
    const out: string[] = [];
    for (const name of Object.keys(all)) {
      for (const info of all[name] ?? []) {
        const fam = info.family as string | number;
        if (fam === "IPv4" || fam === 4) out.push(`${name} ${info.address} ${info.internal ? 1 : 0}`);
      }
    }
    return out.join(",");
  } catch (e) {
    return `!${(e as Error).message}`;
  }
}

function fileText(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch (e) {
    return unreadable(e);
  }
}

/**
 * The events directory's part of the key: "empty" or "missing"; undefined when it
 * holds anything (an event, a hook's temp file, a claimed file) or cannot be read.
 */
function eventsInputs(dir: string): string | undefined {
  try {
    return readdirSync(dir).length === 0 ? "empty" : undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : undefined;
  }
}

/** The inputs' key as of now; undefined when the events directory is not idle. */
export function sealKey(scope: SealScope): string | undefined {
  const events = eventsInputs(scope.eventsDir);
  if (events === undefined) return undefined;
  const parts = [
    `config ${identity(scope.config)}`,
    `state ${identity(join(scope.stateDir, "state.json"))}`,
    `events ${events}`,
    ...scope.secretFiles.map((f) => `file ${f} ${identity(f)}`),
    ...scope.credentials.map((f) => `credential ${f} ${sizeOf(f)}`),
  ];
  if (scope.ipv4Interfaces) parts.push(`ipv4 ${ipv4Inputs()}`);
  if (scope.ipv6Interfaces) parts.push(`ipv6 ${fileText(scope.procIfInet6)}`);
  return parts.join("\n");
}

/** The SealWhere of an invocation: paths made absolute, unset variables as "". */
export function sealWhere(
  opts: { config: string; stateDir: string; eventsDir: string },
  credentialsDir: string | undefined,
  procIfInet6: string,
): SealWhere {
  const eventsDir = resolve(opts.eventsDir);
  return {
    config: resolve(opts.config),
    stateDir: resolve(opts.stateDir),
    eventsDir,
    // The reconciler's lock (cli/run.ts) and the seal: beside the events directory, on tmpfs.
    lock: join(dirname(eventsDir), "ddns.lock"),
    seal: join(dirname(eventsDir), SEAL_FILE),
    credentialsDir: credentialsDir ?? "",
    procIfInet6,
  };
}

function sameWhere(scope: SealScope, where: SealWhere): boolean {
  return (
    scope.config === where.config &&
    scope.stateDir === where.stateDir &&
    scope.eventsDir === where.eventsDir &&
    scope.lock === where.lock &&
    scope.seal === where.seal &&
    scope.credentialsDir === where.credentialsDir &&
    scope.procIfInet6 === where.procIfInet6
  );
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === "string");
}

/** Parses a seal file's text; undefined unless it is a well-formed seal of this format. */
export function parseSeal(text: string): Seal | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  const scope = s["scope"] as Record<string, unknown> | undefined;
  if (s["format"] !== SEAL_FORMAT || typeof s["version"] !== "string" || typeof s["key"] !== "string") return undefined;
  if (typeof s["at"] !== "number" || typeof s["until"] !== "number" || typeof scope !== "object" || scope === null) return undefined;
  for (const k of ["config", "stateDir", "eventsDir", "lock", "seal", "credentialsDir", "procIfInet6"]) if (typeof scope[k] !== "string") return undefined;
  if (!isStringArray(scope["secretFiles"]) || !isStringArray(scope["credentials"])) return undefined;
  if (typeof scope["ipv4Interfaces"] !== "boolean" || typeof scope["ipv6Interfaces"] !== "boolean") return undefined;
  return raw as Seal;
}

/**
 * True when the state directory holds a seal for this invocation and version that is
 * current at `now` and whose key matches the inputs as they are now: a full run would
 * find nothing to do. Never throws; any doubt is false.
 */
export function sealHolds(where: SealWhere, version: string, now: number): boolean {
  const seal = parseSeal(readSealText(where.seal) ?? "");
  if (seal === undefined || seal.version !== version || !sameWhere(seal.scope, where)) return false;
  if (!(seal.at <= now && now < seal.until && seal.until - seal.at <= MAX_SEAL_MS)) return false;
  try {
    statSync(seal.scope.lock);
    return false; // a run is in progress (or was killed): let the reconciler sort it out
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") return false;
  }
  return sealKey(seal.scope) === seal.key;
}

/**
 * Writes the seal atomically (temp file, rename), mode 0600. No fsync: a seal lost or
 * emptied by a power cut only costs one full run.
 */
export function writeSeal(path: string, seal: Seal): void {
  replaceFileSync(path, `${JSON.stringify(seal)}\n`, 0o600);
}

/**
 * Replaces a small file of the run directory (tmpfs) whole: a temp file beside it,
 * then a rename, so a reader sees the old text or the new one, never a part. No
 * fsync (what lives there is disposable). The temp file is removed on a failure,
 * which is thrown. Used for the seal, the parsed-config cache and the warnings told.
 */
export function replaceFileSync(path: string, text: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w", mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/** The text of the seal at `path` (SealWhere.seal), or undefined. */
export function readSealText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
