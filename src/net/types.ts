/**
 * The one HTTP module every provider and the http ip-source go through
 * (src/net/http.ts implements it on node:http/node:https).
 *
 * Contract:
 * - Never follows redirects: a 3xx is returned as a response (providers decide).
 * - `deadlineMs` bounds the whole exchange (connect, TLS, headers, body); past it the
 *   request is destroyed and the promise rejects with DdnsError("NET_TIMEOUT").
 * - `maxBodyBytes` caps the body (default 64 KiB); more rejects with "NET_TOO_LARGE"
 *   and the socket is destroyed (no unbounded buffering).
 * - `family` pins the address family used to connect (4 or 6).
 * - Rejections are DdnsError with a NET_* code, and their message names the host but
 *   never the query string, headers or body (those may hold secrets).
 * - Resolves for every HTTP status: 4xx/5xx are values, not exceptions.
 */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  deadlineMs?: number;
  maxBodyBytes?: number;
  family?: 4 | 6;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}
