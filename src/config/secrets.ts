import { open } from "../fs-lite.js";
import { fstatSync } from "node:fs";
import { join } from "node:path";
import { statIdentity } from "../state/idle-seal.js";
import type { SecretOrigin } from "./types.js";
import type { KeyPath } from "./line-index.js";
import type { Problems, Table } from "./problems.js";
import { describe } from "./problems.js";

/** What a config file's secrets are checked against. */
export interface SecretContext {
  /** Absolute path of the config file, for messages. */
  file: string;
  /** Mode bits of the config file; undefined skips the inline-secret permission check. */
  fileMode?: number | undefined;
  /** mtime of the config file (ms); stands in for inline secrets in fingerprints. */
  fileMtimeMs?: number | undefined;
  /** `$CREDENTIALS_DIRECTORY`. */
  credentialsDir?: string | undefined;
  /**
   * false: K_file and K_credential are checked for shape only and not read ("unread"):
   * for commands that never use a secret (`ddns status`) run outside the service.
   */
  readSecrets?: boolean | undefined;
  /**
   * Set to true when any secret is given inline (K rather than K_file or K_credential):
   * such a config's parsed document is not cached (config/doc-cache.ts).
   */
  inline?: { seen: boolean } | undefined;
}

/**
 * A resolved secret and a description of where it came from, for fingerprints:
 * never the value nor a hash of it.
 */
export type SecretResult =
  | { kind: "absent" }
  | { kind: "failed" }
  /** Given as K_file or K_credential and well-formed, not read (readSecrets: false). */
  | { kind: "unread" }
  | { kind: "ok"; value: string; source: Record<string, string | number>; origin?: SecretOrigin };

/** Secret files are small; a larger file is a mistake (a wrong path). */
const MAX_SECRET_BYTES = 64 * 1024;

/** The three spellings of secret key `key`. */
export function secretKeyNames(key: string): [string, string, string] {
  return [key, `${key}_file`, `${key}_credential`];
}

/**
 * Resolves secret `key` of `table` (at `path`) from exactly one of K (inline),
 * K_file (absolute path) or K_credential (a name under $CREDENTIALS_DIRECTORY).
 * A file or credential loses exactly one trailing newline. Problems never quote
 * a secret's value.
 */
export async function readSecret(p: Problems, ctx: SecretContext, path: KeyPath, table: Table, key: string): Promise<SecretResult> {
  const names = secretKeyNames(key);
  const given = names.filter((n) => table[n] !== undefined);
  if (given.length === 0) return { kind: "absent" };
  if (given.length > 1) {
    p.add([...path, given[1] as string], `give ${key} only once: ${given.join(" and ")} are both set (use one of ${names.join(", ")})`);
    return { kind: "failed" };
  }
  const used = given[0] as string;
  const at = [...path, used];
  const raw = table[used];
  if (typeof raw !== "string" || raw === "") {
    p.add(at, typeof raw === "string" ? "must not be empty" : `must be a string, not ${describe(raw)}`);
    return { kind: "failed" };
  }

  if (used === key) {
    if (ctx.inline !== undefined) ctx.inline.seen = true;
    if (ctx.fileMode !== undefined && (ctx.fileMode & 0o077) !== 0) {
      const mode = (ctx.fileMode & 0o777).toString(8).padStart(4, "0");
      p.add(
        at,
        `holds a secret inline, but ${ctx.file} is readable by group or others (mode ${mode}); ` +
          `run "chmod 600 ${ctx.file}" (owned by the user ddns runs as), or move the secret to ${key}_file or ${key}_credential`,
      );
      return { kind: "failed" };
    }
    return { kind: "ok", value: raw, source: { from: "inline", configMtimeMs: ctx.fileMtimeMs ?? 0 } };
  }

  if (used.endsWith("_file")) {
    if (!raw.startsWith("/")) {
      p.add(at, `"${raw}" must be an absolute path`);
      return { kind: "failed" };
    }
    if (ctx.readSecrets === false) return { kind: "unread" };
    const r = await readSecretFile(raw);
    if (!r.ok) {
      p.add(at, `cannot read the secret file ${raw} (${r.reason})`, r.unreadable);
      return { kind: "failed" };
    }
    return {
      kind: "ok",
      value: r.value,
      source: { from: "file", path: raw, size: r.size, mtimeMs: r.mtimeMs },
      origin: { path: raw, credential: false, identity: r.identity },
    };
  }

  // K_credential
  if (raw.includes("/") || raw.includes("..") || raw === "." || raw.includes("\0")) {
    p.add(at, `"${raw}" is not a credential name (no "/" or "..": it names a file in $CREDENTIALS_DIRECTORY)`);
    return { kind: "failed" };
  }
  if (ctx.readSecrets === false) return { kind: "unread" };
  if (ctx.credentialsDir === undefined || ctx.credentialsDir === "") {
    p.add(
      at,
      `the credential "${raw}" needs $CREDENTIALS_DIRECTORY, which is not set ` +
        `(systemd sets it for a service with LoadCredential=${raw}:/path/to/file)`,
      true,
    );
    return { kind: "failed" };
  }
  const file = join(ctx.credentialsDir, raw);
  const r = await readSecretFile(file);
  if (!r.ok) {
    p.add(at, `cannot read the credential "${raw}" at ${file} (${r.reason})`, r.unreadable);
    return { kind: "failed" };
  }
  // No mtime: systemd writes the credentials directory afresh at every start of the
  // service, so its mtime changes every run and would unlatch a refused record each time.
  return {
    kind: "ok",
    value: r.value,
    source: { from: "credential", name: raw, size: r.size },
    origin: { path: file, credential: true, identity: String(r.size) },
  };
}

type FileResult = { ok: true; value: string; size: number; mtimeMs: number; identity: string } | { ok: false; reason: string; unreadable: boolean };

async function readSecretFile(path: string): Promise<FileResult> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    return { ok: false, reason: errnoText(e), unreadable: true };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, reason: "not a regular file", unreadable: true };
    // Taken before the read: a write during it changes the file's identity.
    const identity = statIdentity(fstatSync(handle.fd, { bigint: true }));
    if (st.size > MAX_SECRET_BYTES) return { ok: false, reason: `larger than ${MAX_SECRET_BYTES / 1024} KiB; is it the right file?`, unreadable: false };
    const text = (await handle.readFile()).toString("utf8");
    const value = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (value === "") return { ok: false, reason: "it is empty", unreadable: false };
    return { ok: true, value, size: st.size, mtimeMs: st.mtimeMs, identity };
  } catch (e) {
    return { ok: false, reason: errnoText(e), unreadable: true };
  } finally {
    await handle.close();
  }
}

/** "ENOENT: no such file" style text from an fs error, without the path repeated. */
export function errnoText(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const known: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EISDIR: "is a directory",
    ENOTDIR: "a parent is not a directory",
    ELOOP: "too many symbolic links",
  };
  if (typeof code === "string") return known[code] !== undefined ? `${code}: ${known[code]}` : code;
  return "unreadable";
}
