/**
 * Event files (DESIGN.md "Event file"): the hooks and the push receiver drop one
 * `KEY=VALUE` file per interface into the events directory; a run claims them,
 * reads them, and removes them whatever the outcome.
 *
 * Claiming: each file is renamed to `.claimed.<name>` in the same directory before it
 * is read, so a hook that writes the same interface's file again during the run
 * creates a new file that the path unit sees after this run (nothing is lost).
 * `.claimed.*` files left by a crashed run are read again (and removed) by the next.
 *
 * Writers' convention: write a temp file named `.tmp.<anything>` in the directory,
 * then rename it to its final name. A `.tmp.*` file is in flight and left alone
 * unless it is older than TEMP_STALE_MS at `opts.now` (then it is removed as the
 * leftover of a killed writer, or the path unit would fire forever). Without
 * `opts.now` temp files are never touched.
 *
 * Refused (reported, and removed with the rest by `finish()`): symlinks, anything not
 * a regular file, files not owned by an allowed uid, files over 4 KiB, names that are
 * not plain interface/push names, files without a single `KEY=VALUE` line.
 */
import { constants as C, readdirSync } from "node:fs";
import { lstat, open, rename, rm } from "../fs-lite.js";
import { join } from "node:path";
import type { EventRecord } from "./types.js";
import { parseAddress, formatBytes, printable } from "./sanity.js";

export const MAX_EVENT_BYTES = 4096;
/** At most this many files are read per run; the rest stay for the next run. */
export const MAX_EVENT_FILES = 256;
export const TEMP_STALE_MS = 30_000;
const MAX_WARNINGS_PER_FILE = 8;

const CLAIMED = ".claimed.";
const TEMP = ".tmp.";

export interface ClaimOptions {
  /** Owners accepted for event files: root and the service user. */
  allowedUids: number[];
  /** Epoch ms of this run, to recognise stale `.tmp.*` files. */
  now?: number;
}

export interface Refusal {
  /** The file name, escaped for logs. */
  file: string;
  reason: string;
}

export interface ClaimedEvents {
  events: EventRecord[];
  refused: Refusal[];
  /** Values dropped from otherwise good files ("eth0: IPV4: 300.1.1.1 is not an IPv4 address"). */
  warnings: string[];
  /** Removes every claimed and refused file. Idempotent; never throws. */
  finish(): Promise<void>;
}

/** Names a hook or the push receiver may write: an interface name or a push id. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}$/;
/** Linux dev_valid_name, restricted to printable ASCII. */
const IFACE_RE = /^(?!\.{1,2}$)[\x21-\x2e\x30-\x39\x3b-\x7e]{1,15}$/;
const ACTION_RE = /^[A-Za-z0-9_.-]{1,32}$/;
const HOSTNAME_RE = /^(?=.{1,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/;
const SOURCES = new Set<EventRecord["source"]>(["networkmanager", "networkd", "push", "manual", "gateway", "watch"]);

interface Entry {
  /** Raw directory entry name (bytes: names need not be UTF-8). */
  raw: Buffer;
  name: string;
}

export async function claimEvents(dir: string, opts: ClaimOptions): Promise<ClaimedEvents> {
  const dirBuf = Buffer.from(dir);
  const toRemove: Buffer[] = [];
  const events: EventRecord[] = [];
  const refused: Refusal[] = [];
  const warnings: string[] = [];
  let finished = false;
  const finish = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    for (const p of toRemove) {
      try {
        await rm(p, { recursive: true, force: true });
      } catch {
        // Best effort: a file we cannot remove is reported again by the next run.
      }
    }
  };

  let raw: Buffer[];
  try {
    // Synchronous, not fs-lite's readdir: a missing directory (no event since boot) is
    // the common case, and as a promise it would be a rejection with no handler yet,
    // which makes Node compile its unhandled-rejection tracking on every such run.
    raw = readdirSync(dir, { encoding: "buffer" });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { events, refused, warnings, finish };
    warnings.push(`cannot read the events directory ${dir}: ${code ?? String(e)}`);
    return { events, refused, warnings, finish };
  }
  const entries: Entry[] = raw.map((b) => ({ raw: b, name: b.toString("utf8") })).sort((a, b) => Buffer.compare(a.raw, b.raw));
  const path = (b: Buffer): Buffer => Buffer.from(join(dirBuf.toString("latin1"), b.toString("latin1")), "latin1");

  // Leftovers of a crashed run first, so a fresh file claimed onto the same name
  // replaces one that has already been read.
  const leftovers = entries.filter((e) => isValidUtf8(e.raw) && e.name.startsWith(CLAIMED) && NAME_RE.test(e.name.slice(CLAIMED.length)));
  const fresh = entries.filter((e) => !leftovers.includes(e));
  let budget = MAX_EVENT_FILES;

  for (const e of leftovers) {
    if (budget-- <= 0) break;
    const p = path(e.raw);
    toRemove.push(p);
    await readOne(p, e.name.slice(CLAIMED.length), opts, events, refused, warnings);
  }

  for (const e of fresh) {
    const label = printable(e.name);
    if (isValidUtf8(e.raw) && e.name.startsWith(TEMP)) {
      if (opts.now !== undefined && (await isStale(path(e.raw), opts.now))) {
        toRemove.push(path(e.raw));
        refused.push({ file: label, reason: `stale temporary file (older than ${TEMP_STALE_MS / 1000} s)` });
      }
      continue;
    }
    if (!isValidUtf8(e.raw) || !NAME_RE.test(e.name)) {
      toRemove.push(path(e.raw));
      refused.push({ file: label, reason: "not an event file name (expected an interface name or push id)" });
      continue;
    }
    if (budget-- <= 0) break;
    const claimed = path(Buffer.from(CLAIMED + e.name));
    try {
      await rename(path(e.raw), claimed);
    } catch (err) {
      // Gone meanwhile: nothing to do. Anything else: leave it for the next run.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") warnings.push(`${label}: cannot claim: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      continue;
    }
    toRemove.push(claimed);
    await readOne(claimed, e.name, opts, events, refused, warnings);
  }
  return { events, refused, warnings, finish };
}

async function isStale(p: Buffer, now: number): Promise<boolean> {
  try {
    const st = await lstat(p);
    return now - st.mtimeMs > TEMP_STALE_MS;
  } catch {
    return false;
  }
}

function isValidUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString("utf8"), "utf8").equals(b);
}

async function readOne(
  p: Buffer,
  name: string,
  opts: ClaimOptions,
  events: EventRecord[],
  refused: Refusal[],
  warnings: string[],
): Promise<void> {
  const r = await readBounded(p, opts.allowedUids);
  if (typeof r === "string") {
    refused.push({ file: name, reason: r });
    return;
  }
  const parsed = parseEvent(name, r);
  if ("reason" in parsed) {
    refused.push({ file: name, reason: parsed.reason });
    return;
  }
  events.push(parsed.event);
  warnings.push(...parsed.warnings);
}

/** Reads a claimed file safely; a string is the reason it was refused. */
async function readBounded(p: Buffer, allowedUids: number[]): Promise<Buffer | string> {
  let st;
  try {
    st = await lstat(p);
  } catch (e) {
    return `cannot stat: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  if (st.isSymbolicLink()) return "is a symbolic link";
  // Checked before open: opening a device or FIFO can have side effects or block.
  if (!st.isFile()) return "not a regular file";
  let fh;
  try {
    fh = await open(p, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ELOOP" ? "is a symbolic link" : `cannot open: ${code ?? String(e)}`;
  }
  try {
    const fst = await fh.stat();
    // The name may have been swapped between lstat and open.
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) return "changed while being read";
    if (!allowedUids.includes(fst.uid)) return `owned by uid ${fst.uid}, not by root or the service user`;
    if (fst.size > MAX_EVENT_BYTES) return `larger than ${MAX_EVENT_BYTES} bytes`;
    const buf = Buffer.alloc(MAX_EVENT_BYTES + 1);
    let len = 0;
    while (len < buf.length) {
      const { bytesRead } = await fh.read(buf, len, buf.length - len, len);
      if (bytesRead === 0) break;
      len += bytesRead;
    }
    if (len > MAX_EVENT_BYTES) return `larger than ${MAX_EVENT_BYTES} bytes`;
    return buf.subarray(0, len);
  } catch (e) {
    return `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Parses one event file's content. Never throws: a value that does not parse is
 * dropped with a warning; a file with no `KEY=VALUE` line at all is refused.
 */
export function parseEvent(file: string, content: Buffer | string): { event: EventRecord; warnings: string[] } | { reason: string } {
  const text = typeof content === "string" ? content : content.toString("utf8");
  const warnings: string[] = [];
  let dropped = 0;
  const warn = (w: string): void => {
    if (warnings.length < MAX_WARNINGS_PER_FILE) warnings.push(`${file}: ${w}`);
    else dropped++;
  };
  const event: EventRecord = { file, source: "manual", ipv4: [], ipv6: [] };
  let sawLine = false;
  let sawSource = false;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^([A-Z][A-Z0-9_]{0,31})=(.*)$/.exec(line);
    // Control characters (NUL, ESC...) are never part of a good value.
    if (!m || /[\x00-\x08\x0b-\x1f\x7f]/.test(line)) {
      warn(`line ${i + 1} is not KEY=VALUE; ignored`);
      continue;
    }
    sawLine = true;
    const key = m[1]!;
    const value = unquote(m[2]!.trim());
    switch (key) {
      case "SOURCE":
        if (SOURCES.has(value as EventRecord["source"])) {
          event.source = value as EventRecord["source"];
          sawSource = true;
        } else warn(`SOURCE: "${printable(value)}" is not one of networkmanager, networkd, push, manual, gateway, watch; ignored`);
        break;
      case "IFACE":
        if (IFACE_RE.test(value)) event.iface = value;
        else warn(`IFACE: "${printable(value)}" is not an interface name; ignored`);
        break;
      case "ACTION":
        if (ACTION_RE.test(value)) event.action = value;
        else warn(`ACTION: "${printable(value)}" is not an action name; ignored`);
        break;
      case "NAME":
        if (HOSTNAME_RE.test(value)) event.name = value.toLowerCase().replace(/\.$/, "");
        else warn(`NAME: "${printable(value)}" is not a DNS name; ignored`);
        break;
      case "FROM": {
        // Written by ddns-push (src/push/store.ts); shown by `ddns status`, never trusted for anything else.
        const a = parseAddress(value);
        if (value === "local") event.from = value;
        else if (a !== null) event.from = formatBytes(a.bytes);
        else warn(`FROM: "${printable(value)}" is not an address; ignored`);
        break;
      }
      case "IPV4":
      case "IPV6": {
        const family = key === "IPV4" ? "ipv4" : "ipv6";
        const out: string[] = [];
        for (const token of value.split(/\s+/).filter((t) => t !== "")) {
          const a = parseListed(token, family);
          if (a === null) warn(`${key}: "${printable(token)}" is not an ${key === "IPV4" ? "IPv4" : "IPv6"} address; ignored`);
          else if (!out.includes(a)) out.push(a);
        }
        event[family] = out;
        break;
      }
      case "TIME":
        if (/^[0-9]{1,12}$/.test(value)) event.time = Number(value);
        else warn(`TIME: "${printable(value)}" is not epoch seconds; ignored`);
        break;
      default:
        // Unknown keys are ignored (newer hooks may add some).
        break;
    }
  }
  if (!sawLine) return { reason: "no KEY=VALUE line" };
  if (!sawSource) warn("no SOURCE line; taken as manual");
  if (dropped > 0) warnings.push(`${file}: ${dropped} more warnings`);
  return { event, warnings };
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/** One address of an IPV4/IPV6 line: a trailing `/len` is tolerated and stripped. */
function parseListed(token: string, family: "ipv4" | "ipv6"): string | null {
  let addr = token;
  const slash = token.indexOf("/");
  if (slash >= 0) {
    const len = token.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(len) || Number(len) > (family === "ipv4" ? 32 : 128)) return null;
    addr = token.slice(0, slash);
  }
  const p = parseAddress(addr);
  if (!p || p.family !== family) return null;
  return formatBytes(p.bytes);
}
