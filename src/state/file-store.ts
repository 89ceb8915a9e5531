import { open, readdir, rename, unlink, mkdir } from "../fs-lite.js";
import { constants } from "node:fs";
import { join } from "node:path";
import { DdnsError } from "../errors.js";
import { STATE_VERSION, type LastRun, type LoadResult, type RecordState, type State, type StateStore } from "./types.js";

const FILE = "state.json";
/** A state file larger than this is not ours: set it aside rather than parse it. */
const MAX_BYTES = 1 << 20;

export function emptyState(): State {
  return { version: STATE_VERSION, records: {} };
}

/**
 * The state file under the state directory. `now` names a corrupt file set aside
 * (`state.json.corrupt-<ISO time>`), so the operator can still read it.
 */
export function createFileStore(dir: string, now: () => number): StateStore {
  const path = join(dir, FILE);
  return {
    path,
    async load(): Promise<LoadResult> {
      let text: string;
      try {
        const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const buf = Buffer.alloc(MAX_BYTES + 1);
          const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
          if (bytesRead > MAX_BYTES) return await setAside(path, now, "it is larger than 1 MiB");
          text = buf.subarray(0, bytesRead).toString("utf8");
        } finally {
          await fh.close();
        }
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return { kind: "missing", state: emptyState() };
        if (code === "ELOOP") return await setAside(path, now, "it is a symbolic link");
        throw new DdnsError("STATE_UNWRITABLE", `cannot read the state file ${path}: ${code ?? String(e)}`, { cause: e });
      }
      const reason = validate(text);
      if (typeof reason === "string") return await setAside(path, now, reason);
      return { kind: "ok", state: reason };
    },
    async save(state: State, opts?: { durable?: boolean }): Promise<void> {
      const durable = opts?.durable !== false;
      const tmp = join(dir, `.${FILE}.${process.pid}.tmp`);
      const data = JSON.stringify(state, null, 1) + "\n";
      try {
        // The directory exists on every run but the first (systemd's StateDirectory=
        // makes it): create it only when the open says it is missing.
        const fh = await open(tmp, "w", 0o640).catch(async (e: unknown) => {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
          await mkdir(dir, { recursive: true, mode: 0o750 });
          return open(tmp, "w", 0o640);
        });
        try {
          await fh.writeFile(data);
          if (durable) await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
        await removeLeftovers(dir);
        // No fsync of the directory (issue 12): the file is on disk before the rename,
        // so a power cut at any instant leaves a whole state, the old one or this one.
        // What it can lose is the rename itself, until the file system's next commit
        // (ext4: 5 s): the state from before this run comes back, and the next run
        // resends (or looks up) each record this run pushed, once: one repeated
        // request, as any client sends after a reboot, never a series. The directory
        // fsync cost one more journal commit per pushing run (0.3-2 ms here, more on
        // a busy disk); PERFORMANCE.md "Where a full run's time goes".
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        throw new DdnsError(
          "STATE_UNWRITABLE",
          `cannot save the state file ${path} (${code}); the previous state is intact`,
          { cause: e },
        );
      }
    },
  };
}

/**
 * Removes the temp files of runs killed between writing and renaming them (their pid
 * is gone), or a state directory collects one per crash. Best effort.
 */
async function removeLeftovers(dir: string): Promise<void> {
  const names = (await readdir(dir, { encoding: "buffer" }).catch(() => [] as Buffer[])).map((b) => b.toString("utf8"));
  for (const n of names) {
    // The state file's and the idle seal's (state/idle-seal.ts) temp files.
    const m = /^\.(?:state|idle)\.json\.(\d+)\.tmp$/.exec(n);
    if (m === null || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    await unlink(join(dir, n)).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function setAside(path: string, now: () => number, reason: string): Promise<LoadResult> {
  const setAsidePath = `${path}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, "-")}`;
  try {
    await rename(path, setAsidePath);
  } catch (e) {
    throw new DdnsError("STATE_UNWRITABLE", `the state file ${path} is corrupt (${reason}) and cannot be set aside`, { cause: e });
  }
  return { kind: "corrupt", state: emptyState(), setAside: setAsidePath, reason };
}

/** Returns the state, or why the text is not a valid state. */
export function validate(text: string): State | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return "it is not valid JSON";
  }
  if (!isObject(raw)) return "it is not a JSON object";
  if (raw["version"] !== STATE_VERSION) return `its version is ${JSON.stringify(raw["version"])}, not ${STATE_VERSION}`;
  const records = raw["records"];
  if (!isObject(records)) return "it has no records object";
  const out: State = { version: STATE_VERSION, records: {} };
  for (const [key, value] of Object.entries(records)) {
    const r = validateRecord(value);
    if (typeof r === "string") return `record ${JSON.stringify(key)}: ${r}`;
    out.records[key] = r;
  }
  const pushes = raw["pushes"];
  if (pushes !== undefined) {
    if (!isObject(pushes)) return "pushes is not an object";
    out.pushes = {};
    for (const [name, p] of Object.entries(pushes)) {
      if (!isObject(p) || typeof p["address"] !== "string" || !isTime(p["at"])) return `push ${JSON.stringify(name)} is malformed`;
      out.pushes[name] = { address: p["address"], at: p["at"], ...(typeof p["from"] === "string" ? { from: p["from"] } : {}) };
    }
  }
  const last = raw["lastRun"];
  if (last !== undefined) {
    const causes = ["event", "push", "config", "timer", "manual"];
    if (!isObject(last) || !isTime(last["at"]) || typeof last["cause"] !== "string" || !causes.includes(last["cause"])) return "lastRun is malformed";
    const ev = last["events"];
    if (ev !== undefined && !(Array.isArray(ev) && ev.every((e) => typeof e === "string"))) return "lastRun is malformed";
    out.lastRun = { at: last["at"], cause: last["cause"] as LastRun["cause"], ...(ev !== undefined ? { events: [...(ev as string[])] } : {}) };
  }
  const accounts = raw["accounts"];
  if (accounts !== undefined) {
    if (!isObject(accounts)) return "accounts is not an object";
    out.accounts = {};
    for (const [name, a] of Object.entries(accounts)) {
      if (!isObject(a) || !isTime(a["retryAt"]) || typeof a["reason"] !== "string") return `account ${JSON.stringify(name)} is malformed`;
      out.accounts[name] = { retryAt: a["retryAt"], reason: a["reason"] };
    }
  }
  // Caches of the gateway source: a malformed one is dropped (the next run finds out again).
  const gateway = raw["gateway"];
  if (isObject(gateway) && typeof gateway["router"] === "string" && isProtocol(gateway["protocol"])) {
    out.gateway = { router: gateway["router"], protocol: gateway["protocol"] };
    if (typeof gateway["controlUrl"] === "string" && typeof gateway["serviceType"] === "string") {
      out.gateway.controlUrl = gateway["controlUrl"];
      out.gateway.serviceType = gateway["serviceType"];
    }
  }
  const nat = raw["nat"];
  if (isObject(nat) && (nat["kind"] === "cgnat" || nat["kind"] === "double-nat" || nat["kind"] === "no-public") && typeof nat["router"] === "string" && isProtocol(nat["protocol"])) {
    out.nat = { kind: nat["kind"], router: nat["router"], protocol: nat["protocol"], ...(typeof nat["wan"] === "string" ? { wan: nat["wan"] } : {}) };
  }
  // What the journal was told of config warnings: a malformed list is dropped (they are said again).
  return out;
}

function isProtocol(v: unknown): v is "natpmp" | "pcp" | "upnp" {
  return v === "natpmp" || v === "pcp" || v === "upnp";
}

function validateRecord(v: unknown): RecordState | string {
  if (!isObject(v)) return "not an object";
  const { provider, published, failures } = v;
  if (typeof provider !== "string") return "provider is not a string";
  if (published !== null && !(Array.isArray(published) && published.every((a) => typeof a === "string"))) return "published is malformed";
  if (typeof failures !== "number" || !Number.isInteger(failures) || failures < 0) return "failures is malformed";
  const r: RecordState = { provider, published: published === null ? null : [...(published as string[])], failures };
  for (const k of ["pushedAt", "changedAt", "retryAt"] as const) {
    if (v[k] === undefined) continue;
    if (!isTime(v[k])) return `${k} is malformed`;
    r[k] = v[k];
  }
  if (v["lastError"] !== undefined) {
    if (typeof v["lastError"] !== "string") return "lastError is malformed";
    r.lastError = v["lastError"];
  }
  const l = v["latched"];
  if (l !== undefined) {
    if (!isObject(l) || typeof l["reason"] !== "string" || !isTime(l["at"]) || typeof l["fingerprint"] !== "string") return "latched is malformed";
    r.latched = { reason: l["reason"], at: l["at"], fingerprint: l["fingerprint"] };
  }
  const h = v["held"];
  if (h !== undefined) {
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((y) => typeof y === "string");
    if (!isObject(h) || !strings(h["addresses"]) || !strings(h["answered"]) || typeof h["reason"] !== "string" || !isTime(h["at"]) || typeof h["fingerprint"] !== "string") {
      return "held is malformed";
    }
    r.held = { addresses: [...h["addresses"]], answered: [...h["answered"]], reason: h["reason"], at: h["at"], fingerprint: h["fingerprint"] };
  }
  const vf = v["verify"];
  if (vf !== undefined) {
    const results = ["in-sync", "drifted", "unknown", "propagating"];
    if (!isObject(vf) || !isTime(vf["at"]) || !results.includes(vf["result"] as string) || (vf["via"] !== "api" && vf["via"] !== "dns") || (vf["detail"] !== undefined && typeof vf["detail"] !== "string")) {
      return "verify is malformed";
    }
    r.verify = { at: vf["at"], result: vf["result"] as NonNullable<RecordState["verify"]>["result"], via: vf["via"], ...(typeof vf["detail"] === "string" ? { detail: vf["detail"] } : {}) };
  }
  const c = v["cache"];
  if (c !== undefined) {
    if (!isObject(c) || !Object.values(c).every((x) => typeof x === "string")) return "cache is malformed";
    r.cache = { ...(c as Record<string, string>) };
  }
  return r;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isTime(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}
