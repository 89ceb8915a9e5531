/**
 * The parsed TOML document of the config, kept on tmpfs beside the idle seal
 * (/run/ddns/config-doc.json) so that a full run whose config did not change skips
 * the TOML parse. The `toml` package's generated parser is the largest piece of
 * JavaScript a full run executes (a third of it); parsing a two-record config costs
 * about 3 M instructions, and a full run happens on every timer tick behind NAT (the
 * `http` source is never sealed), on every push and on the first run after any change
 * (PERFORMANCE.md, "Where a full run's time goes").
 *
 * What the cache stands for is exactly `toml.parse(text)`: validation, secret reads
 * and everything after run as before, on the same document. It is used only when
 * - it was written by this build (the parser is part of the build), and
 * - the config's identity (device, inode, size, mtime and ctime in ns, mode, owner,
 *   taken before the file was read: state/idle-seal.ts's statIdentity) and the
 *   length of the text read are the ones it was written for, and
 * - it is a regular file owned by the user ddns runs as and writable by nobody else.
 * It is written only after the config validated, when the config's last change is
 * older than its file system's timestamp granularity (a change within it could keep
 * the identity: the seal's "racily clean" rule), and never when the config holds a
 * secret inline (K rather than K_file or K_credential): the cache holds no secret,
 * like every other file ddns writes. Values JSON cannot carry unchanged (TOML dates,
 * non-finite floats, -0) or keys that are not plain (`__proto__`) mean no cache.
 * Any doubt means a parse, which is always correct; losing the file costs one parse.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, constants } from "node:fs";
import { dirname } from "node:path";
import { changedTooRecently, replaceFileSync } from "../state/idle-seal.js";

export const DOC_CACHE_FILE = "config-doc.json";
const FORMAT = 1;
/** A config document larger than this is not worth keeping (the config itself is capped at 1 MiB). */
const MAX_CACHE_BYTES = 256 * 1024;

/** Where and for what a run looks up and keeps the parsed document. */
export interface DocCacheKey {
  /** The cache file (DOC_CACHE_FILE beside the events directory). */
  path: string;
  /** statIdentity of the config, taken before it was read; "!CODE" when it could not be taken. */
  identity: string;
  /** The build (version.ts BUILD): another build's parser may read the text otherwise. */
  build: string;
}

interface Entry {
  format: number;
  build: string;
  identity: string;
  length: number;
  doc: unknown;
}

/** The cached document for this key and text length, or undefined. Never throws. */
export function readCachedDoc(key: DocCacheKey, length: number): unknown {
  if (key.identity.startsWith("!")) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(key.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0 || st.size > MAX_CACHE_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    const e = JSON.parse(buf.toString("utf8", 0, n)) as Partial<Entry>;
    if (e.format !== FORMAT || e.build !== key.build || e.identity !== key.identity || e.length !== length) return undefined;
    return e.doc;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Keeps the document (`docJson`: the parser's output for a text of `length`
 * characters, as JSON, `plain` checked) for the next run, unless it may not or cannot
 * be kept. Atomic (temp file, rename), mode 0600, no
 * fsync: tmpfs, and a lost cache costs one parse. Never throws.
 */
export function writeCachedDoc(key: DocCacheKey, length: number, docJson: string, now: number): void {
  if (key.identity.startsWith("!") || changedTooRecently(key.identity, now)) return;
  try {
    // The document goes in as the JSON taken from the parser's output (plain() checked).
    const text = `{"format":${FORMAT},"build":${JSON.stringify(key.build)},"identity":${JSON.stringify(key.identity)},"length":${length},"doc":${docJson}}`;
    if (text.length > MAX_CACHE_BYTES) return;
    try {
      replaceFileSync(key.path, text, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // The first run after boot: the run directory is made by the lock a moment later, the same way.
      mkdirSync(dirname(key.path), { recursive: true, mode: 0o755 });
      replaceFileSync(key.path, text, 0o600);
    }
  } catch {
    // A cache not written costs the next run one parse.
  }
}

/** True when JSON carries `x` unchanged: plain tables and arrays of strings, finite numbers (not -0) and booleans. */
export function plain(x: unknown): boolean {
  switch (typeof x) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(x) && !Object.is(x, -0);
    case "object": {
      if (x === null) return false;
      if (Array.isArray(x)) return x.every(plain);
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.keys(x).every((k) => k !== "__proto__" && plain((x as Record<string, unknown>)[k]));
    }
    default:
      return false;
  }
}
