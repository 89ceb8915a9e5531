import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome } from "../types.js";
import { namecheapSpec } from "./spec.js";
import { authFailure, baseUrl, classifyStatus, ctxFor, excerpt, malformed, perUpdate, relativeName, send, str, type Failure } from "../kit/rest.js";

/**
 * Namecheap dynamic DNS (Namecheap knowledge base article 29, "How do I use a browser
 * to dynamically update the host's IP?"): `GET /update?host=H&domain=D&password=P&ip=IP`,
 * host "@" for the apex. The record must exist as an "A + Dynamic DNS Record". The
 * answer is always HTTP 200 XML: <ErrCount>0</ErrCount> ... <Done>true</Done> on
 * success, else <errors><Err1>Passwords do not match</Err1>... It is the same
 * whether the address changed, so every success is "updated". IPv4 only.
 */
export function createNamecheap(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, namecheapSpec().defaultEndpoint);
  const domain = str(settings, "domain").toLowerCase();
  const ctx = ctxFor(settings, "password", deps.now);

  return perUpdate(settings, async (u, signal): Promise<PushOutcome | Failure> => {
    const c = ctx(u.name, signal);
    if (u.family !== "ipv4") return { kind: "permanent", reason: `Namecheap's dynamic DNS sets A records only; ${u.name} cannot get an IPv6 address through it` };
    const rel = relativeName(u.name, domain);
    if (rel === null) return { kind: "permanent", reason: `${u.name} is not inside ${domain}: check domain in [providers.${settings.name}]` };
    const q = new URLSearchParams({ host: rel === "" ? "@" : rel, domain, password: str(settings, "password"), ip: u.addresses[0]! });
    const r = await send(deps.http, { method: "GET", url: `${base}/update?${q}`, headers: { accept: "text/xml" } }, signal, c);
    if (!r.ok) return r.failure;
    const xml = r.value.body;
    const failure = classifyStatus(r.value, c, "");
    if (failure !== null) return failure;
    const count = /<ErrCount>\s*(\d+)\s*<\/ErrCount>/.exec(xml)?.[1];
    if (count === undefined || !/<interface-response>/.test(xml)) return malformed(c, "no interface-response");
    if (count === "0") return /<Done>\s*true\s*<\/Done>/i.test(xml) ? { kind: "updated" } : malformed(c, "not done");
    const errors = [...xml.matchAll(/<Err\d+>([^<]*)<\/Err\d+>/g)].map((m) => m[1]!.trim());
    const why = excerpt(errors.join("; ") || "no reason given");
    if (/password/i.test(why)) return authFailure(c, "Namecheap", why);
    return { kind: "permanent", reason: `namecheap refused the update of ${u.name} (${why}): the record must exist as an "A + Dynamic DNS Record" with Dynamic DNS on for ${domain}` };
  });
}
