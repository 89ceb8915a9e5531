import assert from "node:assert/strict";
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The one secrecy check: everything a test saw — stdout, stderr, journal entries,
 * every file under the state directory (the state, set-aside copies, temp files),
 * error messages with their causes and stacks, any other text — is scanned for every
 * secret value the test configured, raw and in the encodings a leak would take
 * (URL-encoded, JSON-escaped, base64 as it would be sent alone).
 * Free of node:test; counts what it scanned for RELIABILITY.md.
 */
export interface Seen {
  stdout?: string;
  stderr?: string;
  /** Journal entries (one string or object per entry). */
  journal?: unknown[];
  /** Directories whose every file is read (recursively; symlinks are not followed). */
  dirs?: string[];
  /** Single files (missing ones are skipped). */
  files?: string[];
  /** Errors caught by the test: message, stack and cause chain are scanned. */
  errors?: unknown[];
  /** Anything else (outcome reasons, log lines...). */
  texts?: string[];
}

const stats = { scans: 0, bytes: 0, secrets: new Set<string>() };

/** How many scans, bytes and distinct secrets this process has checked so far. */
export function secretScanStats(): { scans: number; bytes: number; secrets: number } {
  return { scans: stats.scans, bytes: stats.bytes, secrets: stats.secrets.size };
}

/** The forms in which `secret` would show if it leaked. */
export function leakForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  // base64 only when long enough to be unambiguous (short ones match random text).
  if (secret.length >= 6) forms.add(Buffer.from(secret).toString("base64").replace(/=+$/, ""));
  return [...forms];
}

async function filesUnder(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const p = join(dir, n);
    const st = await lstat(p).catch(() => undefined);
    if (st?.isDirectory()) out.push(...(await filesUnder(p)));
    else if (st?.isFile()) out.push(p);
  }
  return out;
}

function errorText(e: unknown, depth = 0): string {
  if (depth > 8 || e === undefined || e === null) return "";
  if (!(e instanceof Error)) return String(e);
  return [e.message, e.stack ?? "", errorText((e as { cause?: unknown }).cause, depth + 1)].join("\n");
}

/**
 * Fails (assert) when any secret of `secrets` appears in anything of `seen`, naming
 * where (never the secret). Secrets shorter than 4 characters are refused: a test must
 * configure secrets that cannot occur by chance. Returns the number of bytes scanned.
 */
export async function assertNoSecrets(secrets: readonly string[], seen: Seen): Promise<number> {
  for (const s of secrets) assert.ok(s.length >= 4, "a test secret must be at least 4 characters long");
  const places: Array<[string, string]> = [];
  if (seen.stdout !== undefined) places.push(["stdout", seen.stdout]);
  if (seen.stderr !== undefined) places.push(["stderr", seen.stderr]);
  for (const [i, j] of (seen.journal ?? []).entries()) places.push([`journal entry ${i}`, typeof j === "string" ? j : JSON.stringify(j)]);
  const files = [...(seen.files ?? [])];
  for (const d of seen.dirs ?? []) files.push(...(await filesUnder(d)));
  for (const f of files) {
    const text = await readFile(f, "latin1").catch(() => undefined);
    if (text !== undefined) places.push([`file ${f}`, Buffer.from(text, "latin1").toString("utf8")]);
  }
  for (const [i, e] of (seen.errors ?? []).entries()) places.push([`error ${i}`, errorText(e)]);
  for (const [i, t] of (seen.texts ?? []).entries()) places.push([`text ${i}`, t]);
  return scan(secrets, places);
}

/**
 * The same check, synchronous, for what a test holds in memory: each value is scanned
 * as text (a string as it is, an Error with its message, stack and causes, anything
 * else as JSON: an outcome, a result, a log record). For unit tests that never touch
 * the disk; a test that has output or files uses assertNoSecrets.
 */
export function assertNoSecretsIn(secrets: readonly string[], values: readonly unknown[]): number {
  for (const s of secrets) assert.ok(s.length >= 4, "a test secret must be at least 4 characters long");
  const places: Array<[string, string]> = values.map((v, i) => [
    `value ${i}`,
    typeof v === "string" ? v : v instanceof Error ? errorText(v) : (JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? [...x] : x instanceof Error ? errorText(x) : x)) ?? String(v)),
  ]);
  return scan(secrets, places);
}

function scan(secrets: readonly string[], places: ReadonlyArray<[string, string]>): number {
  let bytes = 0;
  for (const [where, text] of places) {
    bytes += text.length;
    for (const s of secrets) {
      for (const form of leakForms(s)) {
        assert.ok(!text.includes(form), `a configured secret (${s.length} chars) appears in ${where}`);
      }
    }
  }
  stats.scans++;
  stats.bytes += bytes;
  for (const s of secrets) stats.secrets.add(s);
  return bytes;
}
