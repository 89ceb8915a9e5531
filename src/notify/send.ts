/**
 * Notifications (issue 18): what a run tells the operator's command and URLs about
 * its transitions. Loaded only by a run that has transitions (engine/reconcile.ts
 * calls the Notifier once, at the end) and by `ddns notify --test`.
 *
 * - `command`: argv, no shell, once per transition; the transition in DDNS_*
 *   environment variables and as one JSON object on stdin.
 * - `url`: one POST per run, a JSON document with every transition of the run.
 * - `ping_url` / `fail_url` (healthchecks.io style): one POST per run, plain text
 *   (one line per transition); fail_url when any transition is a failure starting
 *   or a latch, else ping_url.
 *
 * Every channel shares one deadline (`timeout`); nothing here throws, and a slow or
 * failing channel is reported as a result, never as a failure of the run.
 */
import { spawn } from "node:child_process";
import type { NotifyConfig } from "../config/types.js";
import type { HttpClient } from "../net/types.js";
import type { Family } from "../ip-source/types.js";
import type { RunTransition } from "../engine/types.js";

/** One record transition of a run (engine/types.ts), or the sample of `ddns notify --test`. */
export type NotifyTransition = Omit<RunTransition, "event" | "family"> & { event: RunTransition["event"] | "test"; family?: Family };

export interface NotifyDeps {
  http(): Promise<HttpClient>;
  now(): number;
  /** The machine's name, so one receiver can tell several machines apart. */
  host: string;
}

export interface ChannelResult {
  channel: "command" | "url" | "ping_url" | "fail_url";
  ok: boolean;
  /** A short sentence; never the URL (a secret) nor the command's output. */
  detail: string;
}

const BAD_NEWS = new Set<NotifyTransition["event"]>(["failed", "latched"]);

/** Payload version: receivers can rely on the field names of version 1. */
export const NOTIFY_VERSION = 1;

export async function sendNotifications(cfg: NotifyConfig, transitions: readonly NotifyTransition[], deps: NotifyDeps): Promise<ChannelResult[]> {
  if (transitions.length === 0) return [];
  const signal = AbortSignal.timeout(cfg.timeoutMs);
  const jobs: Array<Promise<ChannelResult>> = [];
  if (cfg.command !== undefined) jobs.push(runCommands(cfg.command, transitions, deps, signal));
  const doc = { version: NOTIFY_VERSION, host: deps.host, at: new Date(deps.now()).toISOString(), transitions: transitions.map(toJson) };
  if (cfg.url !== undefined) jobs.push(post("url", cfg.url, "application/json", JSON.stringify(doc), deps, signal));
  const bad = transitions.some((t) => BAD_NEWS.has(t.event));
  const hc = bad ? cfg.failUrl : cfg.pingUrl;
  if (hc !== undefined) {
    const text = transitions.map((t) => `${t.event}: ${t.message}`).join("\n") + "\n";
    jobs.push(post(bad ? "fail_url" : "ping_url", hc, "text/plain; charset=utf-8", text, deps, signal));
  }
  return Promise.all(jobs);
}

function toJson(t: NotifyTransition): Record<string, string> {
  const o: Record<string, string> = { event: t.event, record: t.record };
  if (t.family !== undefined) o["family"] = t.family;
  if (t.provider !== undefined) o["provider"] = t.provider;
  if (t.old !== undefined) o["old"] = t.old;
  if (t.new !== undefined) o["new"] = t.new;
  o["message"] = t.message;
  o["at"] = new Date(t.at).toISOString();
  return o;
}

async function post(channel: ChannelResult["channel"], url: string, type: string, body: string, deps: NotifyDeps, signal: AbortSignal): Promise<ChannelResult> {
  try {
    const http = await deps.http();
    const res = await http.request({ method: "POST", url, headers: { "content-type": type }, body, signal, maxBodyBytes: 16 * 1024 });
    if (res.status >= 200 && res.status < 300) return { channel, ok: true, detail: `HTTP ${res.status}` };
    return { channel, ok: false, detail: `HTTP ${res.status}${res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : ""}` };
  } catch (e) {
    if (signal.aborted) return { channel, ok: false, detail: "no answer within the notify timeout" };
    const code = (e as { code?: unknown }).code;
    return { channel, ok: false, detail: typeof code === "string" ? `request failed (${code})` : "request failed" };
  }
}

/** The transition as DDNS_* variables (the command gets nothing else from ddns's environment but PATH). */
export function commandEnv(t: NotifyTransition, host: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    DDNS_EVENT: t.event,
    DDNS_RECORD: t.record,
    DDNS_MESSAGE: t.message,
    DDNS_AT: new Date(t.at).toISOString(),
    DDNS_HOST: host,
  };
  if (t.family !== undefined) env["DDNS_FAMILY"] = t.family;
  if (t.provider !== undefined) env["DDNS_PROVIDER"] = t.provider;
  if (t.old !== undefined) env["DDNS_OLD"] = t.old;
  if (t.new !== undefined) env["DDNS_NEW"] = t.new;
  return env;
}

async function runCommands(argv: string[], transitions: readonly NotifyTransition[], deps: NotifyDeps, signal: AbortSignal): Promise<ChannelResult> {
  let failed = 0;
  let last = "";
  for (const t of transitions) {
    if (signal.aborted) {
      failed++;
      last = "no time left within the notify timeout";
      continue;
    }
    const r = await runOne(argv, t, deps.host, signal);
    if (!r.ok) {
      failed++;
      last = r.detail;
    }
  }
  const prog = argv[0] ?? "";
  if (failed === 0) return { channel: "command", ok: true, detail: `${prog} ran ${transitions.length} time(s)` };
  return { channel: "command", ok: false, detail: `${prog} failed ${failed} of ${transitions.length} time(s): ${last}` };
}

function runOne(argv: string[], t: NotifyTransition, host: string, signal: AbortSignal): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(argv[0] as string, argv.slice(1), { env: commandEnv(t, host), stdio: ["pipe", "ignore", "ignore"], cwd: "/" });
    } catch (e) {
      resolve({ ok: false, detail: `could not start (${(e as { code?: string }).code ?? "error"})` });
      return;
    }
    const kill = (): void => {
      child.kill("SIGKILL");
    };
    signal.addEventListener("abort", kill, { once: true });
    child.on("error", (e: NodeJS.ErrnoException) => {
      signal.removeEventListener("abort", kill);
      resolve({ ok: false, detail: `could not start (${e.code ?? "error"})` });
    });
    child.on("close", (code, sig) => {
      signal.removeEventListener("abort", kill);
      if (code === 0) resolve({ ok: true, detail: "exit 0" });
      else if (signal.aborted) resolve({ ok: false, detail: "killed at the notify timeout" });
      else resolve({ ok: false, detail: sig !== null ? `killed by ${sig}` : `exit status ${code}` });
    });
    // A command that does not read stdin must not fail the write (EPIPE).
    child.stdin.on("error", () => undefined);
    child.stdin.end(JSON.stringify({ version: NOTIFY_VERSION, host, ...toJson(t) }) + "\n");
  });
}
