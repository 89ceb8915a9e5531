import type { Config } from "../config/types.js";
import { loadConfig } from "../config/load.js";
import { recordKey } from "../engine/types.js";
import { judge, propagatingUntil, type Verdict } from "../engine/verify.js";
import { verifyVia } from "../verify/methods.js";
import type { VerifyTarget } from "../verify/types.js";
import { lazyHttp, readOnlyState, verifyDeps } from "./run.js";
import { createFileStore } from "../state/file-store.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/** How long `ddns verify` waits for every answer. */
const VERIFY_DEADLINE_MS = 60_000;

interface Row {
  name: string;
  family: string;
  provider: string;
  via: "api" | "dns" | null;
  expected: string[] | null;
  result: Verdict["kind"] | "off" | "not-published";
  served: string[] | null;
  reason: string | null;
}

/**
 * `ddns verify [--json]`: asks now, for every configured record, what its provider
 * serves (read API or the zone's authoritative servers, as `verify` says) and
 * compares it with what state says is published. Pushes nothing, writes nothing
 * (no lock, no state change): `ddns run --verify` is the one that repairs.
 */
export async function verifyCommand(opts: GlobalOptions, json: boolean, rt: Runtime): Promise<number> {
  const config: Config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir, pushSecrets: false });
  const state = await readOnlyState(createFileStore(opts.stateDir, rt.now).path);
  const now = rt.now();
  const rows: Row[] = [];
  const targets: VerifyTarget[] = [];
  const pending: { row: Row; guardUntil: number; key: string }[] = [];
  for (const record of config.records) {
    const entry = config.providers.get(record.provider);
    const how = verifyVia(record, entry);
    for (const family of record.families) {
      const key = recordKey(record.name, family);
      const rs = state.records[key];
      const row: Row = { name: record.name, family, provider: record.provider, via: how.via === "off" ? null : how.via, expected: rs?.published ?? null, result: "off", served: null, reason: null };
      rows.push(row);
      if (how.via === "off") {
        row.reason = `verify = "off"`;
        continue;
      }
      if (rs === undefined || rs.published === null || rs.provider !== record.provider) {
        row.result = "not-published";
        row.reason = "no run has published it yet: nothing to compare with";
        continue;
      }
      const t: VerifyTarget = { key, name: record.name, family, provider: record.provider, via: how.via };
      if (how.via === "dns" && how.server !== undefined) t.server = how.server;
      if (rs.cache !== undefined) t.cache = rs.cache;
      targets.push(t);
      pending.push({ row, guardUntil: propagatingUntil(record, rs), key });
    }
  }
  if (targets.length > 0) {
    const { verifier } = verifyDeps(config, rt, lazyHttp(rt), true);
    const answers = await verifier.check(targets, AbortSignal.timeout(VERIFY_DEADLINE_MS));
    for (const { row, guardUntil, key } of pending) {
      const served = answers.get(key) ?? { kind: "unknown" as const, via: row.via ?? "dns", reason: "no answer" };
      const v = judge(row.expected ?? [], served, now, guardUntil);
      row.result = v.kind;
      if (served.kind === "served") row.served = served.addresses;
      if (v.kind === "unknown" || v.kind === "propagating") row.reason = v.reason;
    }
  }
  if (json) {
    rt.out(JSON.stringify({ config: config.file, records: rows }, null, 2));
    return EXIT.ok;
  }
  if (rows.length === 0) rt.out(`no records are configured in ${config.file}`);
  for (const r of rows) rt.out(describeRow(r));
  return EXIT.ok;
}

function describeRow(r: Row): string {
  const who = `${r.name} (${r.family}) via ${r.provider}`;
  const how = r.via === "api" ? "provider API" : "authoritative DNS";
  const list = (a: string[] | null) => (a === null || a.length === 0 ? "no record" : a.join(" "));
  switch (r.result) {
    case "in-sync":
      return `${who}: in-sync (serves ${list(r.served)}, ${how})`;
    case "drifted":
      return `${who}: drifted (served ${list(r.served)}, expected ${list(r.expected)}; ${how})`;
    case "propagating":
      return `${who}: propagating (${r.reason ?? ""})`;
    case "unknown":
      return `${who}: unknown (${r.reason ?? ""})`;
    case "not-published":
      return `${who}: unknown (${r.reason ?? ""})`;
    case "off":
      return `${who}: not checked (verify = "off")`;
  }
}
