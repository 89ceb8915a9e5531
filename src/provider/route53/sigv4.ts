/**
 * AWS Signature Version 4, header form, written from AWS's description of the
 * algorithm (canonical request -> string to sign -> derived key -> HMAC) and checked
 * against AWS's own test suite (test/provider/sigv4-vectors.ts names the cases).
 * ~100 lines of node:crypto instead of the AWS SDK (megabytes, dozens of packages)
 * or aws4 (unmaintained): ddns signs one kind of request.
 *
 * The path is normalised (".", ".." and empty segments dropped) and each segment
 * URI-encoded once, as the suite expects for services other than S3.
 */
import { createHash, createHmac } from "node:crypto";

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS) add X-Amz-Security-Token, which is signed. */
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  url: string;
  /** Headers to sign besides host and x-amz-date; a list for a repeated header. */
  headers: Record<string, string | string[]>;
  body: string;
}

export interface SigV4Result {
  /** Headers to send: x-amz-date, authorization, host, (x-amz-security-token). */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

const sha256hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper case). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function canonicalPath(pathname: string): string {
  const out: string[] = [];
  for (const seg of pathname.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(uriEncode(safeDecode(seg)));
  }
  const trailing = pathname.length > 1 && pathname.endsWith("/") && out.length > 0;
  return `/${out.join("/")}${trailing ? "/" : ""}`;
}

function canonicalQuery(search: string): string {
  if (search === "" || search === "?") return "";
  const pairs = search
    .replace(/^\?/, "")
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? "" : p.slice(eq + 1);
      return [uriEncode(safeDecode(k.replace(/\+/g, " "))), uriEncode(safeDecode(v.replace(/\+/g, " ")))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** "20150830T123600Z" */
export function amzDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * Signs `req` at `now` (epoch ms) for `region`/`service`. The payload hash is the
 * x-amz-content-sha256 header when the request carries one, else SHA-256 of the body.
 */
export function signV4(req: SigV4Request, creds: SigV4Credentials, region: string, service: string, now: number): SigV4Result {
  const url = new URL(req.url);
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const all = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const k = name.toLowerCase();
    all.set(k, [...(all.get(k) ?? []), value]);
  };
  add("host", url.host);
  add("x-amz-date", date);
  if (creds.sessionToken !== undefined) add("x-amz-security-token", creds.sessionToken);
  for (const [k, v] of Object.entries(req.headers)) for (const one of Array.isArray(v) ? v : [v]) add(k, one);
  const names = [...all.keys()].sort();
  const canonicalHeaders = names.map((n) => `${n}:${all.get(n)!.map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`).join("");
  const signedHeaders = names.join(";");
  const payloadHash = all.get("x-amz-content-sha256")?.[0] ?? sha256hex(req.body);
  const canonicalRequest = [req.method.toUpperCase(), canonicalPath(url.pathname), canonicalQuery(url.search), canonicalHeaders, signedHeaders, payloadHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), region), service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-date": date,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
  if (creds.sessionToken !== undefined) headers["x-amz-security-token"] = creds.sessionToken;
  return { headers, canonicalRequest, stringToSign, signature };
}
