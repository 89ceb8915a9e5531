import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import type { DnsProvider, ProviderSettings, PushOutcome, RecordRead, RecordUpdate } from "../../src/provider/types.js";
import type { MockApi, MockReply } from "./mock-api.js";
import { assertNoSecretsIn } from "./secrets.js";

/**
 * The behaviour every DNS-API provider owes (issue 5), run against that provider's
 * strict mock: create, a cached change in one request, unchanged without a write,
 * nothing sent when nothing is due, a wrong credential (permanent, names the key,
 * stops the table), a rate limit (transient with the provider's wait), malformed
 * answers (transient), and no secret in any outcome.
 */
export interface StoredRecord {
  /** Relative name, "" for the apex. */
  name: string;
  type: string;
  value: string;
  ttl?: number;
}

export interface SuiteMock extends MockApi {
  /** What the mock's zone holds now. */
  stored(): StoredRecord[];
  /** Requests that changed the zone. */
  writes(): number;
}

export interface SuiteOptions {
  type: string;
  /** Starts the mock for zone example.org with these records, accepting `goodSecrets`. */
  start(seed: StoredRecord[]): Promise<SuiteMock>;
  /** A provider for the mock; `values` override the table's keys. */
  provider(mock: SuiteMock, values?: Record<string, string>): DnsProvider;
  /** Every secret value the tests configure (the wrong credential's too): scanned for in every outcome, reason, verify result and error. */
  secrets: string[];
  /** Keys that make the credential wrong. */
  badCredentials: Record<string, string>;
  /** The key(s) an auth failure must name. */
  keyHint: RegExp;
  rateLimit: MockReply;
  /** The wait the rate-limit reply asks for, ms (undefined: none given). */
  retryAfterMs: number | undefined;
  /** Replies that are not what the API answers: each must give a transient outcome. */
  garbage: MockReply[];
  /** Requests a change costs when the previous push's cache is handed back. */
  cachedChangeRequests?: number;
  /** The provider tells "already right" apart (false: it always writes). */
  detectsUnchanged?: boolean;
  ttl?: number;
  /** The provider has a read-only credential check (`ddns check --online`). */
  verifies?: boolean;
  /** Requests a repair costs after a read (issue 17; default 1). */
  repairRequests?: number;
  /** The API reads through POST (Porkbun, ClouDNS): reads are not GETs. */
  readsByPost?: boolean;
}

const NAME = "home.example.org";
export const update = (addresses: string[], extra: Partial<RecordUpdate> = {}): RecordUpdate => ({
  key: `${NAME}/${extra.family ?? (addresses[0]?.includes(":") ? "ipv6" : "ipv4")}`,
  name: NAME,
  family: addresses[0]?.includes(":") ? "ipv6" : "ipv4",
  addresses,
  previous: null,
  ...extra,
});
export const reasonOf = (o: PushOutcome | undefined) => (o?.kind === "transient" || o?.kind === "permanent" ? o.reason : "");

/** The values of a table's secret keys (the secrets a provider built from it is given). */
export function secretsOf(settings: ProviderSettings): string[] {
  return settings.secretKeys.flatMap((k) => {
    const v = settings.values[k];
    return typeof v === "string" && v !== "" ? [v] : [];
  });
}

/**
 * `p` with everything it hands back scanned for `secrets` (test/helpers/secrets.ts):
 * every push outcome with its reason, every verify result, anything thrown. A provider
 * test builds its providers through this so no outcome it looks at goes unscanned.
 */
export function scanned(p: DnsProvider, secrets: readonly string[]): DnsProvider {
  const all = [...new Set(secrets)];
  const guard = async <T>(call: () => Promise<T>, parts: (r: T) => unknown[]): Promise<T> => {
    let r: T;
    try {
      r = await call();
    } catch (e) {
      assertNoSecretsIn(all, [e]);
      throw e;
    }
    assertNoSecretsIn(all, parts(r));
    return r;
  };
  const verify = p.verify?.bind(p);
  const readRecords = p.readRecords?.bind(p);
  return {
    push: (updates, signal) => guard(() => p.push(updates, signal), (out) => [out, ...[...out.values()].map(reasonOf)]),
    ...(verify === undefined ? {} : { verify: (signal: AbortSignal, ttls?: Parameters<typeof verify>[1]) => guard(() => verify(signal, ttls), (r) => [r, r.ok ? "" : r.reason]) }),
    ...(readRecords === undefined
      ? {}
      : { readRecords: (records: RecordRead[], signal: AbortSignal) => guard(() => readRecords(records, signal), (out) => [out, ...[...out.values()].map((o) => (o.kind === "unknown" ? o.reason : ""))]) }),
  };
}

/** A provider built from `settings`, scanned for its own secrets and `extra` ones (the right credential when the test gives a wrong one). */
export function scannedProvider(settings: ProviderSettings, make: (s: ProviderSettings) => DnsProvider, extra: readonly string[] = []): DnsProvider {
  return scanned(make(settings), [...secretsOf(settings), ...extra]);
}

export function recordApiSuite(o: SuiteOptions): void {
  // The wrong credential is scanned for as well, whether or not `secrets` lists it.
  const secrets = [...new Set([...o.secrets, ...Object.values(o.badCredentials)])];
  let mock: SuiteMock | undefined;
  afterEach(async () => {
    if (mock === undefined) return;
    const m = mock;
    mock = undefined;
    await m.close();
    assert.deepEqual(m.violations, []);
  });
  const start = async (seed: StoredRecord[]) => (mock = await o.start(seed));
  // Every outcome, its reason, verify result and anything thrown is scanned for every configured secret.
  const push = (m: SuiteMock, updates: RecordUpdate[], values?: Record<string, string>) =>
    scanned(o.provider(m, values), secrets).push(updates, AbortSignal.timeout(5000));
  const verify = (m: SuiteMock, values?: Record<string, string>) => scanned(o.provider(m, values), secrets).verify?.(AbortSignal.timeout(5000));
  const home = (m: SuiteMock, type = "A") => m.stored().filter((r) => r.name === "home" && r.type === type);

  describe(`Provider - ${o.type} (common behaviour)`, () => {
    it("no record/push/created with the family's type and ttl", async () => {
      const m = await start([]);
      const out = await push(m, [update(["203.0.113.7"], { ttl: o.ttl ?? 600 })]);
      assert.equal(out.get(`${NAME}/ipv4`)?.kind, "updated", reasonOf(out.get(`${NAME}/ipv4`)));
      assert.deepEqual(
        home(m).map((r) => [r.value, r.ttl]),
        [["203.0.113.7", o.ttl ?? 600]],
      );
    });

    it("previous push cached/push a change/the fewest requests, record changed", async () => {
      const m = await start([{ name: "home", type: "AAAA", value: "2001:db8::1", ttl: 3600 }]);
      const first = (await push(m, [update(["2001:db8::2"])])).get(`${NAME}/ipv6`);
      assert.equal(first?.kind, "updated", reasonOf(first));
      const cache = first?.kind === "updated" ? first.cache : undefined;
      m.requests.length = 0;
      const out = await push(m, [update(["2001:db8::7"], { previous: ["2001:db8::2"], ...(cache ? { cache } : {}) })]);
      assert.equal(out.get(`${NAME}/ipv6`)?.kind, "updated", reasonOf(out.get(`${NAME}/ipv6`)));
      assert.equal(m.requests.length, o.cachedChangeRequests ?? 1, m.requests.map((r) => `${r.method} ${r.path}`).join(", "));
      assert.deepEqual(home(m, "AAAA").map((r) => r.value), ["2001:db8::7"]);
    });

    it("record with its own TTL, none configured/push a change, then a cached change/the TTL is kept", async () => {
      const m = await start([{ name: "home", type: "A", value: "203.0.113.1", ttl: 86400 }]);
      const first = (await push(m, [update(["203.0.113.2"])])).get(`${NAME}/ipv4`);
      assert.equal(first?.kind, "updated", reasonOf(first));
      assert.deepEqual(home(m).map((r) => [r.value, r.ttl]), [["203.0.113.2", 86400]]);
      const cache = first?.kind === "updated" ? first.cache : undefined;
      const again = (await push(m, [update(["203.0.113.3"], { previous: ["203.0.113.2"], ...(cache ? { cache } : {}) })])).get(`${NAME}/ipv4`);
      assert.equal(again?.kind, "updated", reasonOf(again));
      assert.deepEqual(home(m).map((r) => [r.value, r.ttl]), [["203.0.113.3", 86400]]);
    });

    it("round robin at the name that ddns did not publish/first push/refused naming the records, nothing deleted", async () => {
      const m = await start([
        { name: "home", type: "A", value: "203.0.113.21", ttl: 3600 },
        { name: "home", type: "A", value: "203.0.113.22", ttl: 3600 },
      ]);
      const o = (await push(m, [update(["203.0.113.7"])])).get(`${NAME}/ipv4`);
      assert.equal(o?.kind, "permanent");
      assert.match(reasonOf(o), /2 A records for home\.example\.org \(203\.0\.113\.21, 203\.0\.113\.22\).*not published by ddns/);
      assert.equal(m.writes(), 0);
      assert.deepEqual(home(m).map((r) => r.value).sort(), ["203.0.113.21", "203.0.113.22"]);
    });

    it("record already right/push/" + (o.detectsUnchanged === false ? "written again" : "unchanged, nothing written"), async () => {
      const m = await start([{ name: "home", type: "A", value: "203.0.113.7", ttl: 3600 }]);
      const out = await push(m, [update(["203.0.113.7"])]);
      assert.equal(out.get(`${NAME}/ipv4`)?.kind, o.detectsUnchanged === false ? "updated" : "unchanged");
      if (o.detectsUnchanged !== false) assert.equal(m.writes(), 0);
      assert.deepEqual(home(m).map((r) => r.value), ["203.0.113.7"]);
    });

    it("nothing due/push/no request", async () => {
      const m = await start([]);
      assert.equal((await push(m, [])).size, 0);
      assert.equal(m.requests.length, 0);
    });

    it("wrong credentials/push two records/permanent naming the key, second not sent", async () => {
      const m = await start([]);
      const out = await push(m, [update(["203.0.113.7"]), update(["2001:db8::7"])], o.badCredentials);
      const first = out.get(`${NAME}/ipv4`);
      assert.equal(first?.kind, "permanent");
      assert.match(reasonOf(first), /home\.example\.org/);
      assert.match(reasonOf(first), o.keyHint);
      assert.equal(out.get(`${NAME}/ipv6`)?.kind, "permanent");
      assert.equal(m.requests.length, 1);
      assert.equal(home(m).length, 0);
    });

    it("rate limited/push two records/transient with the wait, second not sent", async () => {
      const m = await start([]);
      m.once(o.rateLimit);
      const out = await push(m, [update(["203.0.113.7"]), update(["2001:db8::7"])]);
      const first = out.get(`${NAME}/ipv4`);
      assert.equal(first?.kind, "transient", reasonOf(first));
      assert.equal(first?.kind === "transient" ? first.retryAfterMs : "no", o.retryAfterMs);
      assert.equal(out.get(`${NAME}/ipv6`)?.kind, "transient");
      assert.equal(m.requests.length, 1);
    });

    if (o.verifies !== false) {
      it("good then wrong credentials/verify/accepted, then refused naming the key without the secret", async () => {
        const m = await start([]);
        assert.deepEqual(await verify(m), { ok: true });
        const bad = await verify(m, o.badCredentials);
        assert.equal(bad?.ok, false);
        const reason = bad?.ok === false ? bad.reason : "";
        assert.match(reason, o.keyHint);
        assert.equal(m.writes(), 0);
      });
    }

    // The drift check's read (issue 17): one read, no write; a repair after it is one request.
    const read = (m: SuiteMock, records: RecordRead[], values?: Record<string, string>) => {
      const p = scanned(o.provider(m, values), secrets);
      assert.ok(p.readRecords, `${o.type} has a read API (src/verify/methods.ts lists it)`);
      return p.readRecords(records, AbortSignal.timeout(5000));
    };
    const rec = (family: "ipv4" | "ipv6" = "ipv4"): RecordRead => ({ key: `${NAME}/${family}`, name: NAME, family });

    it("record as published/readRecords/found with its addresses, nothing written", async () => {
      const m = await start([{ name: "home", type: "A", value: "203.0.113.7", ttl: 3600 }, { name: "other", type: "A", value: "192.0.2.1", ttl: 3600 }]);
      const got = (await read(m, [rec()])).get(`${NAME}/ipv4`);
      assert.equal(got?.kind, "found", JSON.stringify(got));
      assert.deepEqual(got?.kind === "found" ? got.addresses : [], ["203.0.113.7"]);
      assert.equal(m.writes(), 0);
      assert.ok(m.requests.every((r) => r.method === "GET" || o.readsByPost === true), m.requests.map((r) => `${r.method} ${r.path}`).join(", "));
    });

    for (const [what, seed] of [
      ["changed behind ddns's back", [{ name: "home", type: "A", value: "192.0.2.99", ttl: 3600 }]],
      ["deleted behind ddns's back", []],
    ] as const) {
      it(`record ${what}/read, then repair with what the read saw/one write request, the record put back`, async () => {
        const m = await start([...seed]);
        const got = (await read(m, [rec()])).get(`${NAME}/ipv4`);
        assert.equal(got?.kind, "found", JSON.stringify(got));
        const served = got?.kind === "found" ? got.addresses : [];
        assert.deepEqual(served, seed.map((r) => r.value));
        m.requests.length = 0;
        const cache = got?.kind === "found" ? got.cache : undefined;
        const out = await push(m, [update(["203.0.113.7"], { previous: served, ...(cache ? { cache } : {}) })]);
        assert.equal(out.get(`${NAME}/ipv4`)?.kind, "updated", reasonOf(out.get(`${NAME}/ipv4`)));
        assert.equal(m.requests.length, o.repairRequests ?? 1, m.requests.map((r) => `${r.method} ${r.path}`).join(", "));
        assert.deepEqual(home(m).map((r) => r.value), ["203.0.113.7"]);
      });
    }

    it("wrong credentials/readRecords two records/unknown naming the key, the second not asked", async () => {
      const m = await start([{ name: "home", type: "A", value: "203.0.113.7" }]);
      const out = await read(m, [rec(), rec("ipv6")], o.badCredentials);
      const first = out.get(`${NAME}/ipv4`);
      assert.equal(first?.kind, "unknown");
      assert.match(first?.kind === "unknown" ? first.reason : "", o.keyHint);
      assert.equal(out.get(`${NAME}/ipv6`)?.kind, "unknown");
      assert.equal(m.requests.length, 1);
      assert.equal(m.writes(), 0);
    });

    it("malformed or failing answers/readRecords/unknown, never found", async () => {
      const m = await start([{ name: "home", type: "A", value: "203.0.113.7" }]);
      for (const reply of o.garbage) {
        m.once(reply);
        const got = (await read(m, [rec()])).get(`${NAME}/ipv4`);
        assert.equal(got?.kind, "unknown", `${JSON.stringify(reply)} gave ${JSON.stringify(got)}`);
        m.requests.length = 0;
      }
    });

    it("malformed or failing answers/push/transient", async () => {
      const m = await start([]);
      for (const reply of o.garbage) {
        m.once(reply);
        const got = (await push(m, [update(["203.0.113.7"])])).get(`${NAME}/ipv4`);
        assert.equal(got?.kind, "transient", `${JSON.stringify(reply)} gave ${JSON.stringify(got)}`);
        m.requests.length = 0;
      }
    });
  });
}
