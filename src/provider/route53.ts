import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, RecordUpdate } from "./types.js";
import type { HttpResponse } from "../net/types.js";
import { route53Spec } from "./route53-spec.js";
import { baseUrl, classifyStatus, ctxFor, excerpt, malformed, pushGroups, rrType, send, str, type Ctx, type Failure } from "./rest.js";
import { signV4, type SigV4Credentials } from "./sigv4.js";

/**
 * Amazon Route 53: `POST /2013-04-01/hostedzone/{Id}/rrset/` (ChangeResourceRecordSets)
 * with an UPSERT per record, which creates or replaces the RRset: no read, no record
 * id, one request for every due record of the table (a batch is atomic; at most 100
 * changes, so more are sent in chunks). Signed with SigV4 (sigv4.ts), service
 * `route53`, region us-east-1 (the service is global). Errors are XML: the usual
 * `<ErrorResponse><Error><Code>` and, for InvalidChangeBatch, its own root with
 * `<Messages><Message>` (AWS SDK for Go v2 route53 customizations). When a batch of
 * several records is refused as invalid, each record is sent alone once so that only
 * the bad one is latched. The answer's ChangeInfo is PENDING until every Route 53
 * server has it; a one-shot run does not wait for INSYNC.
 */
const API = "/2013-04-01";
const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";
const MAX_CHANGES = 100;
const DEFAULT_TTL = 300;

const AUTH_CODES = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "UnrecognizedClientException",
  "ExpiredToken",
  "AccessDenied",
  "AccessDeniedException",
]);
const RETRY_CODES = new Set(["Throttling", "ThrottlingException", "PriorRequestNotComplete", "ServiceUnavailable", "InternalFailure", "RequestExpired"]);

const xmlEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const tags = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((m) => m[1]!);

export function changeBatchXml(updates: readonly RecordUpdate[]): string {
  const changes = updates
    .map((u) => {
      const values = u.addresses.map((a) => `<ResourceRecord><Value>${xmlEscape(a)}</Value></ResourceRecord>`).join("");
      const name = `${u.name.toLowerCase().replace(/\.$/, "")}.`;
      return (
        `<Change><Action>UPSERT</Action><ResourceRecordSet><Name>${xmlEscape(name)}</Name><Type>${rrType(u)}</Type>` +
        `<TTL>${u.ttl ?? DEFAULT_TTL}</TTL><ResourceRecords>${values}</ResourceRecords></ResourceRecordSet></Change>`
      );
    })
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsRequest xmlns="${XMLNS}"><ChangeBatch><Changes>${changes}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
}

export function createRoute53(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, route53Spec.defaultEndpoint);
  const zoneId = str(settings, "hosted_zone_id").replace(/^\/?hostedzone\//, "");
  const region = str(settings, "region") || "us-east-1";
  const creds: SigV4Credentials = { accessKeyId: str(settings, "access_key_id"), secretAccessKey: str(settings, "secret_access_key") };
  const token = str(settings, "session_token");
  if (token !== "") creds.sessionToken = token;
  const ctx = ctxFor(settings, "access_key_id and secret_access_key", deps.now);
  const table = `[providers.${settings.name}]`;

  function signed(method: "GET" | "POST", path: string, body: string): { method: "GET" | "POST"; url: string; headers: Record<string, string>; body?: string } {
    const url = `${base}${path}`;
    const extra: Record<string, string> = method === "POST" ? { "content-type": "application/xml" } : {};
    const s = signV4({ method, url, headers: extra, body }, creds, region, "route53", deps.now());
    return { method, url, headers: { ...extra, ...s.headers }, ...(method === "POST" ? { body } : {}) };
  }

  /** An AWS error answer as an outcome; null for a 2xx. */
  function classify(res: HttpResponse, c: Ctx): Failure | null {
    if (res.status >= 200 && res.status < 300) return null;
    const root = /<(\w+)[\s>]/.exec(res.body.replace(/^<\?xml[^>]*>\s*/, ""))?.[1];
    const code = root === "InvalidChangeBatch" ? "InvalidChangeBatch" : tag(res.body, "Code");
    const message = excerpt(root === "InvalidChangeBatch" ? tags(res.body, "Message").join("; ") : (tag(res.body, "Message") ?? ""));
    const said = `HTTP ${res.status} ${code ?? ""}${message === "" ? "" : `: ${message}`}`.replace(/ $/, "");
    if (code === undefined) {
      if (res.status >= 500 || res.status === 429 || res.status === 401 || res.status === 403) return classifyStatus(res, c, excerpt(res.body, 80));
      return malformed(c, `HTTP ${res.status} without an AWS error code`);
    }
    if (code === "AccessDenied" || code === "AccessDeniedException") {
      return { kind: "permanent", tableWide: true, reason: `route53 denied the change of ${c.record} (${said}): allow route53:ChangeResourceRecordSets on hostedzone/${zoneId} for access key ${creds.accessKeyId}` };
    }
    if (AUTH_CODES.has(code)) {
      return { kind: "permanent", tableWide: true, reason: `route53 refused the credentials for ${c.record} (${said}): check access_key_id and secret_access_key in ${table}` };
    }
    if (code === "RequestExpired") {
      return { kind: "transient", tableWide: true, reason: `route53 refused the request for ${c.record} as expired (${said}): check this machine's clock; will try again` };
    }
    if (RETRY_CODES.has(code) || res.status >= 500) {
      return { kind: "transient", tableWide: true, reason: `route53 could not take the change of ${c.record} now (${said}); will try again` };
    }
    if (code === "NoSuchHostedZone") {
      return { kind: "permanent", tableWide: true, reason: `route53 has no hosted zone ${zoneId} for ${c.record} (${said}): check hosted_zone_id in ${table}` };
    }
    return { kind: "permanent", reason: `route53 refused the change of ${c.record} (${said}): check the record name is inside hosted zone ${zoneId}` };
  }

  async function change(group: readonly RecordUpdate[], signal: AbortSignal): Promise<PushOutcome | Failure> {
    const c = ctx(group.map((u) => `${u.name} (${rrType(u)})`).join(", "));
    const r = await send(deps.http, signed("POST", `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset/`, changeBatchXml(group)), signal, c);
    if (!r.ok) return r.failure;
    const f = classify(r.value, c);
    if (f) return f;
    const status = tag(r.value.body, "Status");
    if (!r.value.body.includes("<ChangeResourceRecordSetsResponse") || tag(r.value.body, "Id") === undefined || (status !== "PENDING" && status !== "INSYNC")) {
      return malformed(c, "no ChangeInfo in the answer");
    }
    return { kind: "updated" };
  }

  async function push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    const chunks: RecordUpdate[][] = [];
    for (let i = 0; i < updates.length; i += MAX_CHANGES) chunks.push(updates.slice(i, i + MAX_CHANGES));
    const out = new Map<string, PushOutcome>();
    for (const chunk of chunks) {
      const results = await pushGroups([chunk], settings, (g) => change(g, signal));
      const first = results.get(chunk[0]!.key);
      if (chunk.length > 1 && first?.kind === "permanent" && /InvalidChangeBatch|InvalidInput/.test(first.reason)) {
        // One bad record refuses the whole batch: send each alone so only it is latched.
        for (const [k, v] of await pushGroups(chunk.map((u) => [u]), settings, (g) => change(g, signal))) out.set(k, v);
      } else {
        for (const [k, v] of results) out.set(k, v);
      }
      if ([...results.values()].some((o) => (o.kind === "transient" || o.kind === "permanent") && !/InvalidChangeBatch|InvalidInput/.test(o.reason))) {
        // Table-wide answers (credentials, zone, throttling) hold for the remaining chunks too.
        const o = results.get(chunk[0]!.key)!;
        for (const u of updates) if (!out.has(u.key)) out.set(u.key, o);
        break;
      }
    }
    return out;
  }

  return {
    push,
    async verify(signal) {
      const c = ctx(`hosted zone ${zoneId}`);
      const r = await send(deps.http, signed("GET", `${API}/hostedzone/${encodeURIComponent(zoneId)}`, ""), signal, c);
      if (!r.ok) return { ok: false, reason: r.failure.reason };
      const f = classify(r.value, c);
      if (f) return { ok: false, reason: f.reason };
      return r.value.body.includes("<GetHostedZoneResponse") ? { ok: true } : { ok: false, reason: malformed(c, "not a GetHostedZoneResponse").reason };
    },
  };
}
