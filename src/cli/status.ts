import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../config/load.js";
import { recordKey } from "../engine/types.js";
import { emptyState, validate } from "../state/file-store.js";
import type { State } from "../state/types.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/** `ddns status [--json]`: what state says about each configured record. Reads only. */
export async function statusCommand(opts: GlobalOptions, json: boolean, rt: Runtime): Promise<number> {
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir });
  const path = join(opts.stateDir, "state.json");
  let state: State = emptyState();
  let note: string | undefined;
  try {
    const v = validate(await readFile(path, "utf8"));
    if (typeof v === "string") note = `the state file ${path} is unusable (${v}); the next run sets it aside`;
    else state = v;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    note = code === "ENOENT" ? "no run has saved state yet" : `cannot read ${path}: ${code}`;
  }
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  const rows = config.records.flatMap((r) =>
    r.families.map((family) => {
      const s = state.records[recordKey(r.name, family)];
      return {
        name: r.name,
        family,
        provider: r.provider,
        published: s?.published ?? null,
        lastChange: iso(s?.changedAt),
        lastPush: iso(s?.pushedAt),
        failures: s?.failures ?? 0,
        nextRetry: s?.retryAt !== undefined && s.retryAt > rt.now() ? iso(s.retryAt) : null,
        lastError: s?.lastError ?? null,
        latched: s?.latched ? { reason: s.latched.reason, since: iso(s.latched.at) } : null,
        // The last drift check (issue 17): in-sync, drifted (detail: what was served), unknown or propagating (detail: why).
        verify: s?.verify ? { at: iso(s.verify.at), result: s.verify.result, via: s.verify.via, detail: s.verify.detail ?? null } : null,
      };
    }),
  );
  const pushes = Object.entries(state.pushes ?? {}).map(([name, p]) => ({ name, address: p.address, at: iso(p.at), from: p.from ?? null }));
  if (json) {
    rt.out(JSON.stringify({ config: config.file, state: path, ...(note ? { note } : {}), records: rows, pushes }, null, 2));
    return EXIT.ok;
  }
  if (note) rt.out(`(${note})`);
  if (rows.length === 0) rt.out(`no records are configured in ${config.file}`);
  for (const r of rows) {
    const parts = [`${r.name} (${r.family}) via ${r.provider}: ${r.published?.join(" ") ?? "not published yet"}`];
    if (r.lastChange) parts.push(`changed ${r.lastChange}`);
    if (r.latched) parts.push(`LATCHED since ${r.latched.since}: ${r.latched.reason}`);
    else if (r.nextRetry) parts.push(`failing (${r.failures}x): ${r.lastError ?? "?"}; next try ${r.nextRetry}`);
    if (r.verify) parts.push(verifyText(r.verify));
    rt.out(parts.join("; "));
  }
  for (const p of pushes) rt.out(`last push for ${p.name}: ${p.address} at ${p.at}${p.from ? ` from ${p.from}` : ""}`);
  return EXIT.ok;
}

/** The last drift check, as `ddns status` prints it. */
function verifyText(v: { at: string | null; result: string; via: string; detail: string | null }): string {
  const how = v.via === "api" ? "provider API" : "authoritative DNS";
  if (v.result === "drifted") return `checked ${v.at} (${how}): drifted, it served ${v.detail || "no record"}`;
  if (v.result === "in-sync") return `checked ${v.at} (${how}): in-sync`;
  return `checked ${v.at} (${how}): ${v.result === "unknown" ? "could not verify" : "propagating"}: ${v.detail ?? ""}`;
}
