import { createHash } from "node:crypto";
// fs-lite: node:fs/promises alone costs a process ~1.3 ms to load (PERFORMANCE.md).
import { mkdir, open, readFile, rename, unlink } from "../fs-lite.js";
import { join } from "node:path";
import { parseTable, type RateTable } from "./rate.js";
import type { PushRecord } from "./types.js";

/**
 * The files of the push receiver:
 * - `<eventsDir>/push-<id>`: the event file (DESIGN.md "Event file") the reconciler
 *   drains. One per pushed name, so a newer push replaces an older unread one; the
 *   name itself is in its NAME= line (see pushId for the file name).
 * - `<pushDir>/last-<name>`: the last accepted push per name, same format, kept so
 *   that a repeated push is answered `nochg` without waking the reconciler.
 * - `<pushDir>/sources.json`: the per-source rate table (push/rate.ts), bounded.
 * Every write is a temp file in `pushDir` renamed into place: readers see the old
 * file or the new one, never a part, and the events directory never holds a temp
 * file that could wake ddns.path or be drained half-written. Names reaching here
 * were checked against `[push] names` (LDH labels and dots only).
 */
let tmpSeq = 0;

export class PushStore {
  constructor(
    readonly eventsDir: string,
    readonly pushDir: string,
  ) {}

  /** Creates pushDir (and eventsDir, should the path unit not have yet). */
  async prepare(): Promise<void> {
    await mkdir(this.pushDir, { recursive: true, mode: 0o700 });
    await mkdir(this.eventsDir, { recursive: true, mode: 0o750 });
  }

  async last(name: string): Promise<PushRecord | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.pushDir, `last-${pushId(name)}`), "utf8");
    } catch {
      return undefined;
    }
    return parseRecord(text);
  }

  /** Writes the event file, then the last-push record (merged with the families this push did not carry). */
  async record(rec: PushRecord, previous: PushRecord | undefined): Promise<void> {
    await this.writeAtomic(this.eventsDir, `push-${pushId(rec.name)}`, recordText(rec));
    const merged: PushRecord = {
      ...rec,
      ipv4: rec.ipv4.length > 0 ? rec.ipv4 : (previous?.ipv4 ?? []),
      ipv6: rec.ipv6.length > 0 ? rec.ipv6 : (previous?.ipv6 ?? []),
    };
    await this.writeAtomic(this.pushDir, `last-${pushId(rec.name)}`, recordText(merged));
  }

  async rateTable(): Promise<RateTable> {
    try {
      return parseTable(await readFile(join(this.pushDir, "sources.json"), "utf8"));
    } catch {
      return {};
    }
  }

  async saveRateTable(table: RateTable): Promise<void> {
    await this.writeAtomic(this.pushDir, "sources.json", JSON.stringify(table));
  }

  private async writeAtomic(dir: string, name: string, text: string): Promise<void> {
    try {
      await writeAndRename(join(this.pushDir, `.${name}.${process.pid}.${++tmpSeq}.tmp`), join(dir, name), text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
      // eventsDir on another file system: the events directory's own temp convention.
      await writeAndRename(join(dir, `.tmp.${name}.${process.pid}.${++tmpSeq}`), join(dir, name), text);
    }
  }
}

async function writeAndRename(tmp: string, target: string, text: string): Promise<void> {
  const fh = await open(tmp, "wx", 0o640);
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** The KEY=VALUE text of a push (event file format; NAME and FROM are push's own keys). */
export function recordText(rec: PushRecord): string {
  const lines = ["SOURCE=push", `NAME=${rec.name}`, `FROM=${rec.from}`];
  if (rec.ipv4.length > 0) lines.push(`IPV4=${rec.ipv4.join(" ")}`);
  if (rec.ipv6.length > 0) lines.push(`IPV6=${rec.ipv6.join(" ")}`);
  lines.push(`TIME=${rec.time}`);
  return lines.join("\n") + "\n";
}

export function parseRecord(text: string): PushRecord | undefined {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const name = kv.get("NAME");
  const time = Number(kv.get("TIME"));
  if (kv.get("SOURCE") !== "push" || name === undefined || !Number.isInteger(time)) return undefined;
  const list = (k: string): string[] => (kv.get(k) ?? "").split(" ").filter((a) => a !== "");
  return { name, ipv4: list("IPV4"), ipv6: list("IPV6"), time, from: kv.get("FROM") ?? "" };
}

/**
 * The file name part for a pushed name: the name itself when the events directory's
 * reader takes it ("push-" plus at most 59 characters of letters, digits, dots and
 * hyphens), else a shortened name plus a digest. A wildcard's "*" becomes "_".
 */
export function pushId(name: string): string {
  const plain = name.replace(/^\*/, "_");
  if (plain.length <= 59) return plain;
  const digest = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `${plain.slice(0, 42)}-${digest}`;
}
