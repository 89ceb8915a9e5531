import type { Config, ProviderEntry } from "../config/types.js";
import type { DnsServer } from "../net/dns/server.js";
import type { DnsProvider, RecordRead } from "../provider/types.js";
import { askAuthoritative, askServers, type AuthoritativeAnswer, type ZoneMemo } from "./authoritative.js";
import type { Served, Verifier, VerifyTarget } from "./types.js";

export interface VerifierDeps {
  config: Config;
  /** Builds (lazily loads) the provider of one entry. */
  provider(entry: ProviderEntry): Promise<DnsProvider>;
  /** `verify_resolvers`, else the system's (/etc/resolv.conf): only to find the zone's servers. */
  resolvers(): readonly DnsServer[];
  /** The port authoritative servers are asked on: 53 (tests: their loopback server's). */
  authoritativePort: number;
  /** Per DNS question. */
  deadlineMs: number;
}

/**
 * The drift checks of one run: API targets go to their provider's `readRecords`, one
 * call per provider entry; DNS targets to the zone's authoritative servers (one walk
 * per name, memoized) or to the configured rfc2136 primary.
 */
export function createVerifier(deps: VerifierDeps): Verifier {
  return {
    async check(targets, signal) {
      const out = new Map<string, Served>();
      const byProvider = new Map<string, VerifyTarget[]>();
      const dns: VerifyTarget[] = [];
      for (const t of targets) {
        if (t.via === "dns") dns.push(t);
        else byProvider.set(t.provider, [...(byProvider.get(t.provider) ?? []), t]);
      }
      for (const [name, list] of byProvider) {
        const entry = deps.config.providers.get(name);
        let provider: DnsProvider | undefined;
        try {
          provider = entry === undefined ? undefined : await deps.provider(entry);
        } catch {
          provider = undefined;
        }
        if (provider?.readRecords === undefined) {
          for (const t of list) out.set(t.key, { kind: "unknown", via: "api", reason: `provider "${name}" has no read API; use verify = "dns"` });
          continue;
        }
        const reads: RecordRead[] = list.map((t) => ({ key: t.key, name: t.name, family: t.family, ...(t.cache !== undefined ? { cache: t.cache } : {}) }));
        const got = await provider.readRecords(reads, signal);
        for (const t of list) {
          const r = got.get(t.key);
          if (r === undefined) out.set(t.key, { kind: "unknown", via: "api", reason: `provider "${name}" gave no answer for ${t.name}` });
          else if (r.kind === "unknown") out.set(t.key, { kind: "unknown", via: "api", reason: r.reason });
          else {
            const s: Served = { kind: "served", via: "api", addresses: r.addresses };
            if (r.cache !== undefined) s.cache = r.cache;
            if (r.proxied === true) s.proxied = true;
            out.set(t.key, s);
          }
        }
      }
      const memo: ZoneMemo = new Map();
      const opts = { resolvers: dns.some((t) => t.server === undefined) ? deps.resolvers() : [], port: deps.authoritativePort, deadlineMs: deps.deadlineMs, signal };
      await Promise.all(
        dns.map(async (t) => {
          const a: AuthoritativeAnswer =
            t.server !== undefined ? await askServers(t.name, t.family, [t.server], opts) : await askAuthoritative(t.name, t.family, opts, memo);
          out.set(t.key, a.kind === "served" ? { kind: "served", via: "dns", addresses: a.addresses } : { ...a, via: "dns" });
        }),
      );
      return out;
    },
  };
}
