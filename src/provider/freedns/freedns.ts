import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "../types.js";
import { freednsSpec } from "./spec.js";
import { baseUrl, classifyStatus, ctxFor, excerpt, malformed, perUpdate, send, str, type Failure } from "../kit/rest.js";

/**
 * FreeDNS: each record (name and type) has its own update token, which is the whole
 * credential. `GET /dynamic/update.php?<token>&address=<ip>` sets that record
 * (ddclient's freedns and public clients; `address` also takes IPv6). Answers are
 * 200 text: `Updated 1 host(s) ...`, `ERROR: Address X has not changed.` (no change),
 * other `ERROR: ...` lines (refused). The v2 form `sync.afraid.org/u/<token>/` takes
 * the address from the connection, which is not what was detected, so it is not used.
 */
export function createFreedns(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, freednsSpec().defaultEndpoint);
  const ctx = ctxFor(settings, "token", deps.now);

  return perUpdate(settings, async (u: RecordUpdate, signal): Promise<PushOutcome | Failure> => {
    const key = u.family === "ipv4" ? "token" : "ipv6_token";
    const token = str(settings, key);
    const c = { ...ctx(u.name, signal), keyHint: key };
    if (token === "") {
      return { kind: "permanent", reason: `no FreeDNS token for the ${u.family === "ipv4" ? "A" : "AAAA"} record of ${u.name}: set ${key} in [providers.${settings.name}]` };
    }
    const address = u.addresses[0]!;
    const url = `${base}/dynamic/update.php?${encodeURIComponent(token)}&address=${encodeURIComponent(address)}`;
    const r = await send(deps.http, { method: "GET", url, headers: { accept: "text/plain" } }, signal, c);
    if (!r.ok) return r.failure;
    const text = r.value.body.trim();
    const s = r.value.status;
    if (s < 500 && s !== 429 && text.startsWith("ERROR:")) {
      if (/has not changed/i.test(text)) return { kind: "unchanged" };
      return {
        kind: "permanent",
        reason: `freedns refused the update of ${u.name} (${excerpt(text)}): check ${key} in [providers.${settings.name}]`,
      };
    }
    const failure = classifyStatus(r.value, c, excerpt(text));
    if (failure !== null) return failure;
    if (/^Updated \d+ host/i.test(text)) return { kind: "updated" };
    if (/^No IP change detected/i.test(text)) return { kind: "unchanged" };
    return malformed(c, `"${excerpt(text, 40)}"`);
  });
}
