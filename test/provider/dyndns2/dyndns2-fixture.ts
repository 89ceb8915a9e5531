import { afterEach } from "node:test";
import assert from "node:assert/strict";
import { createDyndns2 } from "../../../src/provider/dyndns2/dyndns2.js";
import { createHttpClient } from "../../../src/net/http.js";
import { USER_AGENT } from "../../../src/version.js";
import type { DnsProvider, PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import type { HttpClient } from "../../../src/net/types.js";
import { startDyndns2Server, type Dyndns2Server, type Dyndns2ServerOptions } from "../../helpers/dyndns2-server.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

// Shared by the dyndns2 test files: a provider wired to a strict loopback server,
// closed after each test with its violations checked.
export const PASSWORD = "pw-S3CRET-dyn2-value";
export const UA = USER_AGENT;
export const NOW = Date.UTC(2026, 10, 27, 6, 0, 0);
export const HOSTS = ["a.example.org", "b.example.org", "c.example.org"];

const servers: Dyndns2Server[] = [];
let strict = true;
/** Call once per test file: closes the server after each test and checks it saw no violation. */
export function closeAfterEach(): void {
  afterEach(async () => {
    const seen = servers.flatMap((s) => s.violations());
    await Promise.all(servers.splice(0).map((s) => s.close()));
    const wasStrict = strict;
    strict = true;
    if (wasStrict) assert.deepEqual(seen, [], "the mock saw a request a real service would refuse");
  });
}

/** For a test that sends what a real service would refuse on purpose. */
export function allowViolations(): void {
  strict = false;
}


/** Each preset's mock follows that service's own dual-stack rule (test/helpers/dyndns2-server.ts). */
const DUAL: Record<string, Dyndns2ServerOptions["dual"]> = { dyndns2: "dyn", dyndns: "dyn", noip: "noip", dynu: "dynu", he: "he", selfhost: "selfhost", dynv6: "dynv6" };

export async function setupDyndns2(
  type: string,
  opts: Partial<Dyndns2ServerOptions> = {},
  values: Record<string, string> = { username: "me@example.org" },
  wrap: (h: HttpClient) => HttpClient = (h) => h,
): Promise<{ p: DnsProvider; srv: Dyndns2Server }> {
  const server = await startDyndns2Server({ accounts: [{ username: "me@example.org", password: PASSWORD, hosts: HOSTS }], dual: DUAL[type] ?? "kept", ...opts });
  servers.push(server);
  // Every outcome, verify result and error the provider gives is scanned for the password.
  const p = scannedProvider(
    { name: "home", type, values: { type, password: PASSWORD, endpoint: server.url, ...values }, secretKeys: ["password"] },
    (s) => createDyndns2(s, { http: wrap(createHttpClient()), now: () => NOW, userAgent: UA }),
    [PASSWORD],
  );
  return { p, srv: server };
}

export function up(name: string, address: string, extra: Partial<RecordUpdate> = {}): RecordUpdate {
  const family = address.includes(":") ? "ipv6" : "ipv4";
  return { key: `${name}/${family}`, name, family, addresses: [address], previous: null, ...extra };
}

export async function push(p: DnsProvider, updates: RecordUpdate[]): Promise<PushOutcome[]> {
  const out = await p.push(updates, new AbortController().signal);
  assert.equal(out.size, new Set(updates.map((u) => u.key)).size);
  return updates.map((u) => out.get(u.key) as PushOutcome);
}

export function reason(o: PushOutcome | undefined): string {
  return o !== undefined && (o.kind === "transient" || o.kind === "permanent" || o.kind === "held") ? o.reason : "";
}

