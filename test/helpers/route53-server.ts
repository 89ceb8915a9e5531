/**
 * A strict loopback stand-in for Amazon Route 53's ChangeResourceRecordSets and
 * GetHostedZone. It checks the SigV4 signature itself (credential scope, signed
 * headers, the signature recomputed over what actually arrived: method, path, query,
 * the signed headers' received values and the body), the clock skew (5 minutes), the
 * XML body, and answers with Route 53's own shapes: ChangeResourceRecordSetsResponse,
 * ErrorResponse (InvalidClientTokenId, SignatureDoesNotMatch, NoSuchHostedZone,
 * Throttling) and the InvalidChangeBatch root.
 *
 * Document: https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html:
 * "UPSERT: If a resource record set doesn't already exist, Route 53 creates it. If a
 * resource record set does exist, Route 53 updates it with the values in the request."
 * (so an UPSERT without the record's TTL would not keep it: ddns reads it first).
 */
import { startMockApi, type MockApi, type MockReply, type SeenRequest } from "./mock-api.js";
import { signV4 } from "../../src/provider/route53/sigv4.js";

const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";

export interface Route53Mock extends MockApi {
  /** "home.example.com./A" -> values */
  rrsets: Map<string, { ttl: number; values: string[] }>;
  /** Answer the next N change requests with Throttling. */
  throttle: number;
}

export function awsError(status: number, code: string, message: string, type = "Sender"): MockReply {
  return {
    status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": "5c1f6a2e-0000-4000-8000-000000000001" },
    body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>5c1f6a2e-0000-4000-8000-000000000001</RequestId></ErrorResponse>`,
  };
}

function invalidChangeBatch(messages: string[]): MockReply {
  return {
    status: 400,
    headers: { "content-type": "text/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<InvalidChangeBatch xmlns="${XMLNS}"><Messages>${messages.map((m) => `<Message>${m}</Message>`).join("")}</Messages><RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb</RequestId></InvalidChangeBatch>`,
  };
}

/** Checks the Authorization header of `req`; null when it is right, else the AWS error answer. */
function checkSignature(req: SeenRequest, keys: Record<string, string>, now: number, violate: (why: string) => MockReply): MockReply | null {
  const auth = String(req.headers.authorization ?? "");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return awsError(403, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters");
  const [, akid, day, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = keys[akid!];
  if (secret === undefined) return awsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  const date = String(req.headers["x-amz-date"] ?? "");
  if (!/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== day) return violate(`x-amz-date "${date}" does not match the credential scope`);
  const at = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
  if (Math.abs(at - now) > 5 * 60_000) return awsError(403, "RequestExpired", "Request has expired.");
  if (region !== "us-east-1" || service !== "route53") return awsError(403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region and service 'route53'.`);
  const names = signedHeaders!.split(";");
  for (const need of ["host", "x-amz-date"]) if (!names.includes(need)) return violate(`${need} is not signed`);
  if (req.method === "POST" && !names.includes("content-type")) return violate("content-type is not signed");
  const headers: Record<string, string> = {};
  for (const n of names) {
    if (n === "host" || n === "x-amz-date" || n === "x-amz-security-token") continue;
    const v = req.headers[n];
    if (v === undefined) return violate(`signed header ${n} was not sent`);
    headers[n] = Array.isArray(v) ? v.join(",") : v;
  }
  const token = req.headers["x-amz-security-token"];
  const search = req.query.toString();
  const expected = signV4(
    { method: req.method, url: `http://${String(req.headers.host)}${req.path}${search === "" ? "" : `?${search}`}`, headers, body: req.body },
    { accessKeyId: akid!, secretAccessKey: secret, ...(typeof token === "string" ? { sessionToken: token } : {}) },
    region!,
    service!,
    at,
  );
  if (expected.signature !== signature) {
    return awsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
  }
  return null;
}

export interface MockZone {
  id: string;
  name: string;
  private?: boolean;
}

/**
 * Zone `zoneId` named `zoneName` ("example.com") plus `more` zones, credentials `keys`
 * (id -> secret), clock `now`. ListHostedZonesByName lists zones in Route 53's order
 * (names compared with their labels reversed), starting at `dnsname`.
 */
export async function startRoute53(zoneId: string, zoneName: string, keys: Record<string, string>, now: number, more: MockZone[] = []): Promise<Route53Mock> {
  const zones: MockZone[] = [{ id: zoneId, name: zoneName }, ...more];
  const sortKey = (name: string) => name.toLowerCase().replace(/\.$/, "").split(".").reverse().join(".");
  const rrsets = new Map<string, { ttl: number; values: string[] }>();
  let mock: Route53Mock | undefined;
  const api = await startMockApi((req, violate) => {
    const bad = checkSignature(req, keys, now, violate);
    if (bad) return bad;
    if (req.method === "GET" && req.path === "/2013-04-01/hostedzonesbyname") {
      const keysSeen = [...req.query.keys()].sort().join(",");
      if (keysSeen !== "dnsname,maxitems") return violate(`ListHostedZonesByName query ${req.query}`);
      const start = sortKey(req.query.get("dnsname")!);
      const max = Number(req.query.get("maxitems"));
      if (!Number.isInteger(max) || max < 1 || max > 100) return violate("maxitems");
      const listed = zones
        .filter((z) => sortKey(z.name) >= start)
        .sort((a, b) => (sortKey(a.name) < sortKey(b.name) ? -1 : 1))
        .slice(0, max);
      const items = listed
        .map((z) => `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${z.name}.</Name><CallerReference>ddns-test</CallerReference><Config><PrivateZone>${z.private === true}</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>`)
        .join("");
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0"?>\n<ListHostedZonesByNameResponse xmlns="${XMLNS}"><HostedZones>${items}</HostedZones><DNSName>${req.query.get("dnsname")}</DNSName><IsTruncated>false</IsTruncated><MaxItems>${max}</MaxItems></ListHostedZonesByNameResponse>`,
      };
    }
    const get = /^\/2013-04-01\/hostedzone\/([A-Z0-9]+)$/.exec(req.path);
    if (req.method === "GET" && get) {
      if (get[1] !== zoneId) return awsError(404, "NoSuchHostedZone", `No hosted zone found with ID: ${get[1]}`);
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0"?>\n<GetHostedZoneResponse xmlns="${XMLNS}"><HostedZone><Id>/hostedzone/${zoneId}</Id><Name>${zoneName}.</Name><CallerReference>ddns-test</CallerReference><Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>${2 + rrsets.size}</ResourceRecordSetCount></HostedZone><DelegationSet><NameServers><NameServer>ns-1.awsdns-01.org</NameServer></NameServers></DelegationSet></GetHostedZoneResponse>`,
      };
    }
    // ListResourceRecordSets (docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html):
    // "GET /2013-04-01/hostedzone/Id/rrset?identifier=StartRecordIdentifier&maxitems=MaxItems&name=StartRecordName&type=StartRecordType";
    // the sets are listed in order starting at name and type; type needs name.
    const list = /^\/2013-04-01\/hostedzone\/([A-Z0-9]+)\/rrset$/.exec(req.path);
    if (req.method === "GET" && list) {
      for (const k of req.query.keys()) if (!["name", "type", "maxitems", "identifier"].includes(k)) return violate(`ListResourceRecordSets query ${k}`);
      if (req.query.has("type") && !req.query.has("name")) return violate("type without name");
      if (!zones.some((z) => z.id === list[1])) return awsError(404, "NoSuchHostedZone", `No hosted zone found with ID: ${list[1]}`);
      const startName = sortKey(req.query.get("name") ?? "");
      const startType = req.query.get("type") ?? "";
      const max = Number(req.query.get("maxitems") ?? "300");
      const sets = [...rrsets]
        .map(([k, v]) => ({ name: k.slice(0, k.lastIndexOf("/")), type: k.slice(k.lastIndexOf("/") + 1), ...v }))
        .sort((a, b) => (sortKey(a.name) === sortKey(b.name) ? (a.type < b.type ? -1 : 1) : sortKey(a.name) < sortKey(b.name) ? -1 : 1))
        .filter((x) => sortKey(x.name) > startName || (sortKey(x.name) === startName && x.type >= startType))
        .slice(0, max);
      const items = sets
        .map((x) => `<ResourceRecordSet><Name>${x.name}</Name><Type>${x.type}</Type><TTL>${x.ttl}</TTL><ResourceRecords>${x.values.map((v) => `<ResourceRecord><Value>${v}</Value></ResourceRecord>`).join("")}</ResourceRecords></ResourceRecordSet>`)
        .join("");
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0"?>\n<ListResourceRecordSetsResponse xmlns="${XMLNS}"><ResourceRecordSets>${items}</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>${max}</MaxItems></ListResourceRecordSetsResponse>`,
      };
    }
    const post = /^\/2013-04-01\/hostedzone\/([A-Z0-9]+)\/rrset\/?$/.exec(req.path);
    if (req.method !== "POST" || !post) return violate("not a Route 53 operation this mock knows");
    if (req.query.toString() !== "") return violate("ChangeResourceRecordSets takes no query");
    if (req.headers["content-type"] !== "application/xml") return violate(`content-type ${String(req.headers["content-type"])}`);
    const zone = zones.find((z) => z.id === post[1]);
    if (!zone) return awsError(404, "NoSuchHostedZone", `No hosted zone found with ID: ${post[1]}`);
    if (mock && mock.throttle > 0) {
      mock.throttle--;
      return awsError(400, "Throttling", "Rate exceeded");
    }
    const body = req.body.replace(/^<\?xml version="1.0" encoding="UTF-8"\?>\n/, "");
    const root = new RegExp(`^<ChangeResourceRecordSetsRequest xmlns="${XMLNS.replace(/[./]/g, "\\$&")}"><ChangeBatch>(?:<Comment>[^<]*</Comment>)?<Changes>(.*)</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>$`).exec(body);
    if (!root) return violate("body is not a ChangeResourceRecordSetsRequest");
    const changes = [...root[1]!.matchAll(/<Change>(.*?)<\/Change>/g)].map((c) => c[1]!);
    if (changes.length === 0 || changes.length > 100) return violate(`${changes.length} changes`);
    const applied: [string, { ttl: number; values: string[] }][] = [];
    const errors: string[] = [];
    for (const c of changes) {
      const m = /^<Action>(CREATE|DELETE|UPSERT)<\/Action><ResourceRecordSet><Name>([^<]+)<\/Name><Type>(A|AAAA)<\/Type><TTL>(\d+)<\/TTL><ResourceRecords>((?:<ResourceRecord><Value>[^<]+<\/Value><\/ResourceRecord>)+)<\/ResourceRecords><\/ResourceRecordSet>$/.exec(c);
      if (!m) return violate(`change not understood: ${c}`);
      const [, action, name, type, ttl, recs] = m as unknown as string[];
      if (action !== "UPSERT") return violate(`action ${action}`);
      const values = [...recs!.matchAll(/<Value>([^<]+)<\/Value>/g)].map((v) => v[1]!);
      if (!name!.endsWith(`.${zone.name}.`) && name !== `${zone.name}.`) {
        errors.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}.`);
        continue;
      }
      applied.push([`${name}/${type}`, { ttl: Number(ttl), values }]);
    }
    if (errors.length > 0) return invalidChangeBatch(errors);
    for (const [k, v] of applied) rrsets.set(k, v);
    return {
      status: 200,
      headers: { "content-type": "text/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsResponse xmlns="${XMLNS}"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status><SubmittedAt>2026-11-27T06:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`,
    };
  });
  mock = Object.assign(api, { rrsets, throttle: 0 });
  return mock;
}
