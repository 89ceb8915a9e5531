import { open } from "../fs-lite.js";
import { resolve } from "node:path";
import toml from "toml";
import { readFamily } from "../config/family.js";
import { LineIndex } from "../config/line-index.js";
import { Problems, isTable } from "../config/problems.js";
import { readPush } from "../config/records.js";
import type { RecordConfig } from "../config/types.js";
import { normalizeHostname } from "../config/values.js";
import { isDdnsError } from "../errors.js";
import { classify, isAcceptable } from "../ip-source/sanity.js";
import type { PushSetup } from "./connection.js";

const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads only what the push receiver needs from ddns.toml: `[push]` (names, and the
 * push secret, resolved as `ddns check` does) and each family's `accept_private`.
 * Provider tables and their secrets are not read: the receiver faces the network and
 * never holds a provider credential. `ddns check` validates the whole file; here a
 * problem in these parts answers 911 and names the file and line in the journal.
 */
export async function loadPushSetup(file: string, credentialsDir: string | undefined): Promise<PushSetup> {
  const path = resolve(file);
  let text: string;
  let mode: number;
  let mtimeMs: number;
  try {
    const fh = await open(path, "r");
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return { kind: "error", message: `${path}: not a config file; run "ddns check"` };
      mode = st.mode;
      mtimeMs = st.mtimeMs;
      text = (await fh.readFile()).toString("utf8");
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { kind: "error", message: `${path}: cannot read the config (${(e as NodeJS.ErrnoException).code ?? "error"})` };
  }
  let doc: unknown;
  try {
    doc = toml.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch {
    return { kind: "error", message: `${path}: not valid TOML; run "ddns check"` };
  }
  if (!isTable(doc)) return { kind: "error", message: `${path}: not a TOML table; run "ddns check"` };
  if (doc.push === undefined) return { kind: "missing" };

  const p = new Problems(path, LineIndex.build(text));
  const ipv4 = readFamily(p, "ipv4", doc.ipv4);
  const ipv6 = readFamily(p, "ipv6", doc.ipv6);
  // readPush checks each name against the records; only their names matter here.
  const records: RecordConfig[] = [];
  for (const r of Array.isArray(doc.records) ? doc.records : []) {
    const n = isTable(r) && typeof r.name === "string" ? normalizeHostname(r.name, { wildcard: true, minLabels: 2 }) : undefined;
    if (n?.ok) records.push({ name: n.name, provider: "", families: [], line: 0, verify: "off", verifyIntervalS: 86_400 });
  }
  const push = await readPush(p, { file: path, fileMode: mode, fileMtimeMs: mtimeMs, credentialsDir }, doc.push, records);
  try {
    p.throwIfAny();
  } catch (e) {
    return { kind: "error", message: isDdnsError(e) ? `${e.message.split("\n")[0]} (run "ddns check")` : String(e) };
  }
  if (push === undefined) return { kind: "missing" };
  const families = { ipv4, ipv6 };
  return {
    kind: "ok",
    push,
    check: (addr, family) => {
      const f = family === 4 ? "ipv4" : "ipv6";
      const cls = classify(addr, f);
      if (!families[f].enabled) return `${f} is disabled in ddns.toml`;
      return isAcceptable(cls, families[f].acceptPrivate) ? undefined : `${cls} address, not published`;
    },
  };
}
