import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../config/load.js";
import { recordKey } from "../engine/types.js";
import { emptyState, validate } from "../state/file-store.js";
import type { State } from "../state/types.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/** What systemd knows about the units (absent when systemctl cannot tell: no systemd, a container, a test). */
export interface UnitTimes {
  /** Start of the last ddns.service run (epoch ms). */
  lastStart?: number;
  /** Its exit status, when it has ended. */
  lastStatus?: number;
  /** "success", "exit-code", ... */
  lastResult?: string;
  /** When ddns.timer fires next. */
  nextTimer?: number;
  /** When ddns.timer fired last. */
  lastTimer?: number;
}

export interface StatusDeps {
  /** `systemctl show` of ddns.service and ddns.timer; resolves {} when it cannot. */
  units(): Promise<UnitTimes>;
}

type Health = "current" | "not-published" | "failing" | "waiting" | "latched" | "held";

/** `ddns status [--json]`: at a glance, what is published, what is wrong and what to do. Reads only. */
export async function statusCommand(opts: GlobalOptions, json: boolean, rt: Runtime, deps: StatusDeps = { units: systemctlUnits }): Promise<number> {
  // Status never uses a secret: outside ddns.service (no $CREDENTIALS_DIRECTORY) it must still answer.
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir, pushSecrets: false, readSecrets: false });
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
  const now = rt.now();
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  const rows = config.records.flatMap((r) =>
    r.families.map((family) => {
      const s = state.records[recordKey(r.name, family)];
      const account = state.accounts?.[r.provider];
      const retry = Math.max(s?.retryAt ?? 0, account?.retryAt ?? 0);
      const health: Health = s?.latched
        ? "latched"
        : s?.held
          ? "held"
          : (s?.failures ?? 0) > 0
            ? retry > now
              ? "waiting"
              : "failing"
            : account !== undefined && account.retryAt > now
              ? "waiting"
              : s?.published
                ? "current"
                : "not-published";
      const entry = config.providers.get(r.provider);
      return {
        name: r.name,
        family,
        provider: r.provider,
        health,
        published: s?.published ?? null,
        since: iso(s?.changedAt),
        lastChange: iso(s?.changedAt),
        lastPush: iso(s?.pushedAt),
        failures: s?.failures ?? 0,
        nextRetry: retry > now ? iso(retry) : null,
        lastError: s?.lastError ?? account?.reason ?? null,
        latched: s?.latched ? { reason: s.latched.reason, since: iso(s.latched.at) } : null,
        advice: advise(health, entry?.type ?? "?", config.file, r.provider),
        // The last drift check (issue 17): in-sync, drifted (detail: what was served), unknown or propagating (detail: why).
        verify: s?.verify ? { at: iso(s.verify.at), result: s.verify.result, via: s.verify.via, detail: s.verify.detail ?? null } : null,
      };
    }),
  );
  const pushes = Object.entries(state.pushes ?? {}).map(([name, p]) => ({ name, address: p.address, at: iso(p.at), from: p.from ?? null }));
  const units = await deps.units().catch(() => ({}) as UnitTimes);
  const lastChangeRun = state.lastRun ? { at: iso(state.lastRun.at), cause: state.lastRun.cause, events: state.lastRun.events ?? [] } : null;
  const systemd = {
    lastRun: iso(units.lastStart),
    lastRunStatus: units.lastStatus ?? null,
    lastRunResult: units.lastResult ?? null,
    lastRunStartedBy: units.lastStart !== undefined && units.lastTimer !== undefined && Math.abs(units.lastStart - units.lastTimer) < 2000 ? "timer" : units.lastStart !== undefined ? "ddns.path or a person" : null,
    nextTimer: iso(units.nextTimer),
  };
  if (json) {
    rt.out(JSON.stringify({ config: config.file, state: path, ...(note ? { note } : {}), records: rows, lastChangeRun, systemd, pushes }, null, 2));
    return EXIT.ok;
  }
  if (note) rt.out(`(${note})`);
  if (rows.length === 0) rt.out(`no records are configured in ${config.file}`);
  const ago = (t: string | null) => (t === null ? "" : ` (${human(now - Date.parse(t))} ago)`);
  for (const r of rows) {
    const head = `${r.name} (${r.family}) via ${r.provider}`;
    const pub = r.published?.join(" ") ?? "nothing published yet";
    switch (r.health) {
      case "current":
        rt.out(`${head}: ${pub}${r.since ? `, since ${r.since}${ago(r.since)}` : ""}`);
        break;
      case "not-published":
        rt.out(`${head}: nothing published yet; the next run pushes it`);
        break;
      case "latched":
        rt.out(`${head}: LATCHED OFF since ${r.latched?.since ?? "?"}: ${r.latched?.reason ?? "?"} (published: ${pub})`);
        break;
      case "held":
        rt.out(`${head}: HELD: ${r.lastError ?? "?"} (published: ${pub})`);
        break;
      default:
        rt.out(`${head}: FAILING${r.failures > 0 ? ` (${r.failures} attempt(s))` : ""}: ${r.lastError ?? "?"}; ${r.nextRetry ? `backing off until ${r.nextRetry}` : "retried at the next run"} (published: ${pub})`);
    }
    if (r.verify) rt.out(`    ${verifyText(r.verify)}`);
    if (r.advice) rt.out(`    what to do: ${r.advice}`);
  }
  if (lastChangeRun) rt.out(`last run that pushed: ${lastChangeRun.at}${ago(lastChangeRun.at)}, started by ${lastChangeRun.cause}${lastChangeRun.events.length > 0 ? `: ${lastChangeRun.events.join(", ")}` : ""}`);
  if (systemd.lastRun) {
    const how = systemd.lastRunStatus === null ? "" : `, exit status ${systemd.lastRunStatus}`;
    rt.out(`last run: ${systemd.lastRun}${ago(systemd.lastRun)}${how}, started by ${systemd.lastRunStartedBy}`);
  }
  if (systemd.nextTimer) rt.out(`next timer run: ${systemd.nextTimer}`);
  for (const p of pushes) rt.out(`last push for ${p.name}: ${p.address} at ${p.at}${p.from ? ` from ${p.from}` : ""}`);
  return EXIT.ok;
}

function advise(h: Health, type: string, file: string, provider: string): string | null {
  switch (h) {
    case "latched":
      return `fix [providers.${provider}] in ${file} or its secret (ddns check --online tells whether ${type} accepts it); the record is tried again as soon as either changes`;
    case "held":
      return `the ${type} service answered with another address than sent; check the record at the provider; ddns sends again when the address or [providers.${provider}] changes`;
    case "waiting":
      return "nothing: ddns tries again by itself after the backoff (ddns run --force does not skip it)";
    case "failing":
      return "nothing if it is passing: the next run retries; look at journalctl -u ddns.service if it persists";
    default:
      return null;
  }
}

function human(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/**
 * Asks systemd; {} when systemctl is missing, fails or is slow (3 s each, in parallel).
 * The service's last run from `systemctl show --timestamp=unix`; the timer from
 * `systemctl list-timers -o json`, because `show` prints NextElapseUSecRealtime as a
 * local date whatever --timestamp says (systemd 252) and leaves out the monotonic
 * part (OnBootSec=): list-timers gives the next elapse with both folded in, in µs.
 */
export async function systemctlUnits(): Promise<UnitTimes> {
  const { execFile } = await import("node:child_process");
  const ask = (args: string[]) =>
    new Promise<string>((resolve) => {
      execFile("systemctl", args, { timeout: 3000, env: { PATH: "/usr/bin:/bin", SYSTEMD_PAGER: "", SYSTEMD_COLORS: "0" } }, (err, stdout) => resolve(err ? "" : stdout));
    });
  const [show, timers] = await Promise.all([
    ask(["show", "--timestamp=unix", "-p", "ExecMainStartTimestamp", "-p", "ExecMainStatus", "-p", "Result", "-p", "NextElapseUSecRealtime", "-p", "LastTriggerUSec", "ddns.service", "ddns.timer"]),
    ask(["list-timers", "--all", "--output=json", "ddns.timer"]),
  ]);
  return { ...parseUnits(show), ...parseTimers(timers) };
}

/**
 * `systemctl list-timers --all --output=json ddns.timer`: `next` and `last` in µs
 * since the epoch, 0 for never. Older systemctl without JSON: {}.
 */
export function parseTimers(text: string): Pick<UnitTimes, "nextTimer" | "lastTimer"> {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return {};
  }
  const row = Array.isArray(rows) ? (rows as Array<Record<string, unknown>>).find((r) => r["unit"] === "ddns.timer") : undefined;
  if (row === undefined) return {};
  const ms = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v / 1000) : undefined);
  const out: Pick<UnitTimes, "nextTimer" | "lastTimer"> = {};
  const next = ms(row["next"]);
  if (next !== undefined) out.nextTimer = next;
  const last = ms(row["last"]);
  if (last !== undefined) out.lastTimer = last;
  return out;
}

/** `systemctl show` of ddns.service then ddns.timer (blocks separated by a blank line). */
export function parseUnits(text: string): UnitTimes {
  const [service = "", timer = ""] = text.split(/\n\s*\n/);
  const kv = (block: string) => Object.fromEntries(block.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const s = kv(service);
  const t = kv(timer);
  const at = (v: string | undefined) => {
    const m = /^@(\d+)$/.exec(v ?? "");
    return m && m[1] !== "0" ? Number(m[1]) * 1000 : undefined;
  };
  const out: UnitTimes = {};
  const start = at(s["ExecMainStartTimestamp"]);
  if (start !== undefined) {
    out.lastStart = start;
    if (s["ExecMainStatus"] !== undefined && s["ExecMainStatus"] !== "") out.lastStatus = Number(s["ExecMainStatus"]);
    if (s["Result"]) out.lastResult = s["Result"];
  }
  const next = at(t["NextElapseUSecRealtime"]);
  if (next !== undefined) out.nextTimer = next;
  const last = at(t["LastTriggerUSec"]);
  if (last !== undefined) out.lastTimer = last;
  return out;
}

/** The last drift check, as `ddns status` prints it. */
function verifyText(v: { at: string | null; result: string; via: string; detail: string | null }): string {
  const how = v.via === "api" ? "provider API" : "authoritative DNS";
  if (v.result === "drifted") return `checked ${v.at} (${how}): drifted, it served ${v.detail || "no record"}`;
  if (v.result === "in-sync") return `checked ${v.at} (${how}): in-sync`;
  return `checked ${v.at} (${how}): ${v.result === "unknown" ? "could not verify" : "propagating"}: ${v.detail ?? ""}`;
}
