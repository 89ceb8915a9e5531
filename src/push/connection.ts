import type { Readable, Writable } from "node:stream";
import type { PushConfig } from "../config/types.js";
import { parseHead } from "./http-head.js";
import { decide, normalName } from "./policy.js";
import { admit, failed } from "./rate.js";
import { readHead } from "./read-head.js";
import type { PushStore } from "./store.js";
import { HOSTNAME_LIMIT, type AddressCheck, type Decision, type HeadProblem, type PushRecord } from "./types.js";
import { toUpdateRequest } from "./update-request.js";

/** What the push configuration looked like when a request needed it. */
export type PushSetup = { kind: "ok"; push: PushConfig; check: AddressCheck } | { kind: "missing" } | { kind: "error"; message: string };

export interface ConnectionDeps {
  /** The sender: its IP address, or "local" for the Unix socket. */
  from: string;
  /** epoch seconds */
  now: () => number;
  /** The read deadline for the request head. */
  signal: AbortSignal;
  /** Loaded only once a well-formed request arrived (garbage costs no config read). */
  setup: () => Promise<PushSetup>;
  store: PushStore;
  /** priority: 3 err, 4 warning, 5 notice, 6 info. No secret ever reaches it. */
  log: (priority: 3 | 4 | 5 | 6, message: string) => void;
  /** A name's pushed addresses changed (the push-received transition); default: a notice through `log`. */
  pushed?: (name: string, addresses: string[], from: string, message: string) => void;
  /** How long to keep reading after the answer so the peer sees it before the close, ms. */
  lingerMs?: number;
}

export type Served = { kind: "answered"; status: number; lines: string[] } | { kind: "gone" } | { kind: "failed"; status: 500 };

const PROBLEM_STATUS: Record<Exclude<HeadProblem, "closed">, number> = {
  malformed: 400,
  "too-large": 431,
  method: 405,
  body: 413,
  version: 505,
  timeout: 408,
};

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  505: "HTTP Version Not Supported",
};

/** Serves one connection: one request, one answer, then the connection is closed. */
export async function serveConnection(input: Readable, output: Writable, deps: ConnectionDeps): Promise<Served> {
  const read = await readHead(input, deps.signal);
  if (read.kind === "refused") {
    if (read.problem === "closed") return { kind: "gone" };
    return refuse(input, output, deps, PROBLEM_STATUS[read.problem]);
  }
  const parsed = parseHead(read.raw);
  if (parsed.kind === "refused") {
    if (parsed.problem === "closed") return { kind: "gone" };
    return refuse(input, output, deps, PROBLEM_STATUS[parsed.problem]);
  }
  const request = toUpdateRequest(parsed.head, deps.from);
  if (request.kind === "not-found") return refuse(input, output, deps, 404);

  try {
    const now = deps.now();
    const table = await deps.store.rateTable();
    const admission = admit(table, deps.from, now);
    let decision: Decision;
    let extra: string[] = [];
    if (admission.kind === "abuse") {
      if (admission.note !== undefined) deps.log(4, admission.note);
      decision = { status: 429, lines: ["abuse"], writes: [], changed: [], authFailed: false, challenge: false, notes: [] };
      extra = [`Retry-After: ${admission.retryAfter}`];
    } else {
      const setup = await deps.setup();
      if (setup.kind !== "ok") {
        deps.log(3, setup.kind === "missing" ? "push: a request arrived but ddns.toml has no [push] table; answering 911" : `push: ${setup.message}`);
        await deps.store.saveRateTable(table);
        return await internal(input, output, deps);
      }
      const known = new Map<string, PushRecord | undefined>();
      const allowed = new Set(setup.push.names.map(normalName));
      for (const raw of request.update.hostnames.slice(0, HOSTNAME_LIMIT)) {
        const name = normalName(raw);
        if (allowed.has(name) && !known.has(name)) known.set(name, await deps.store.last(name));
      }
      decision = decide({ config: setup.push, request: request.update, from: deps.from, now, last: (n) => known.get(n), check: setup.check });
      if (decision.authFailed) {
        const note = failed(table, deps.from, now);
        if (note !== undefined) deps.log(4, note);
      } else {
        for (const note of decision.notes) deps.log(4, note);
      }
      for (const w of decision.writes) {
        await deps.store.record(w, known.get(w.name));
        if (!decision.changed.includes(w.name)) continue;
        const addresses = [...w.ipv4, ...w.ipv6];
        const message = `push: ${w.name} pushed ${addresses.join(" ")} from ${w.from}`;
        if (deps.pushed) deps.pushed(w.name, addresses, w.from, message);
        else deps.log(5, message);
      }
      if (decision.challenge) extra = ['WWW-Authenticate: Basic realm="ddns", charset="UTF-8"'];
    }
    await deps.store.saveRateTable(table);
    await respond(input, output, deps, decision.status, decision.lines, extra);
    return { kind: "answered", status: decision.status, lines: decision.lines };
  } catch (e) {
    deps.log(3, `push: internal error: ${e instanceof Error ? e.message : String(e)}`);
    return internal(input, output, deps);
  }
}

async function internal(input: Readable, output: Writable, deps: ConnectionDeps): Promise<Served> {
  await respond(input, output, deps, 500, ["911"], []);
  return { kind: "failed", status: 500 };
}

async function refuse(input: Readable, output: Writable, deps: ConnectionDeps, status: number): Promise<Served> {
  const lines = [(REASONS[status] ?? "error").toLowerCase()];
  await respond(input, output, deps, status, lines, status === 405 ? ["Allow: GET"] : []);
  return { kind: "answered", status, lines };
}

/**
 * Writes the answer, half-closes, then reads (and drops) what the peer still sends
 * for at most lingerMs: closing with unread bytes would make the kernel send a reset
 * that can destroy the answer before the peer reads it.
 */
function respond(input: Readable, output: Writable, deps: ConnectionDeps, status: number, lines: string[], extra: string[]): Promise<void> {
  const body = lines.join("\n") + "\n";
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "Connection: close",
    ...extra,
  ];
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      input.off("data", drop);
      input.off("end", finish);
      input.off("close", finish);
      input.destroy();
      resolve();
    };
    const drop = (): void => undefined;
    const timer = setTimeout(finish, deps.lingerMs ?? 1000);
    output.on("error", finish);
    input.on("error", finish);
    input.on("end", finish);
    input.on("close", finish);
    output.end(head.join("\r\n") + "\r\n\r\n" + body, () => {
      if (input.readableEnded) return finish();
      input.on("data", drop);
      input.resume();
    });
  });
}
