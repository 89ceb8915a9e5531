import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "../types.js";
import { duckdnsSpec } from "./spec.js";
import { baseUrl, canonical, classifyStatus, ctxFor, excerpt, groupBy, malformed, pushGroups, send, str, type Failure } from "../kit/rest.js";

/**
 * Duck DNS: `GET /update?domains=SUB&token=T&ip=V4&ipv6=V6&verbose=true`
 * (https://www.duckdns.org/spec.jsp). Both families of one name go in one request.
 * The answer is `OK` or `KO`; verbose adds the current addresses and UPDATED or
 * NOCHANGE. KO does not say why (bad token or a domain not in the account).
 * Duck DNS holds one address per family and sets the TTL itself.
 */
const SUFFIX = ".duckdns.org";

export function createDuckdns(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, duckdnsSpec().defaultEndpoint);
  const token = str(settings, "token");
  const ctx = ctxFor(settings, "token", deps.now);

  return {
    // One request per name, carrying every family due for it.
    push: (updates, signal) => pushGroups(groupBy(updates, (u) => u.name), settings, (g) => pushName(g, signal)),
  };

  async function pushName(group: readonly RecordUpdate[], signal: AbortSignal): Promise<PushOutcome | Failure> {
    const name = group[0]!.name;
    const c = ctx(name, signal);
    const lower = name.toLowerCase().replace(/\.$/, "");
    const sub = lower.endsWith(SUFFIX) ? lower.slice(0, -SUFFIX.length) : "";
    if (sub === "" || sub.includes(".")) {
      return { kind: "permanent", reason: `${name} is not a Duck DNS name (SUB.duckdns.org): check the record name` };
    }
    const q = new URLSearchParams({ domains: sub, token });
    const v4 = group.find((u) => u.family === "ipv4")?.addresses[0];
    const v6 = group.find((u) => u.family === "ipv6")?.addresses[0];
    if (v4 !== undefined) q.set("ip", v4);
    if (v6 !== undefined) q.set("ipv6", v6);
    q.set("verbose", "true");
    const r = await send(deps.http, { method: "GET", url: `${base}/update?${q}`, headers: { accept: "text/plain" } }, signal, c);
    if (!r.ok) return r.failure;
    const failure = classifyStatus(r.value, c, excerpt(r.value.body));
    if (failure !== null) return failure;
    const lines = r.value.body.split("\n").map((l) => l.trim());
    if (lines[0] === "KO") {
      return {
        kind: "permanent",
        reason: `duckdns refused the update of ${name} (KO: a wrong token or a domain not in this account): check token in [providers.${settings.name}] and the record name`,
      };
    }
    const verdict = lines.filter((l) => l !== "").at(-1);
    if (lines[0] !== "OK" || (verdict !== "UPDATED" && verdict !== "NOCHANGE")) return malformed(c, `"${excerpt(r.value.body, 40)}"`);
    // Verbose lines 2 and 3 echo the addresses now held: check what we sent.
    for (const [sent, echoed] of [[v4, lines[1]], [v6, lines[2]]] as const) {
      if (sent !== undefined && echoed !== undefined && echoed !== "" && canonical(echoed) !== canonical(sent)) {
        return { kind: "transient", reason: `duckdns kept ${echoed} for ${name} instead of ${sent}; will try again` };
      }
    }
    return verdict === "NOCHANGE" ? { kind: "unchanged" } : { kind: "updated" };
  }
}
