/**
 * AWS Signature Version 4 (HMAC-SHA256), as described in the AWS General Reference, "Signature
 * Version 4 signing process": a canonical request, a string to sign over its hash, and a key derived
 * by chaining HMACs over date, region, service and "aws4_request".
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Header names are matched case-insensitively; every header given is signed. */
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  /** Signing time; the `x-amz-date` header is set from it. */
  date: Date;
}

/** RFC 3986 unreserved characters stay; everything else is %XX in upper case. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  // Services other than S3 expect each segment encoded (the URL already encodes once).
  return path.split("/").map((segment) => uriEncode(decodeURIComponent(segment))).join("/") || "/";
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Uint8Array {
  let key = hmac(sha256, utf8ToBytes(`AWS4${secretAccessKey}`), utf8ToBytes(day));
  for (const part of [region, service, "aws4_request"]) key = hmac(sha256, key, utf8ToBytes(part));
  return key;
}

export function canonicalRequest(input: SignInput, headers: Record<string, string>): string {
  const names = Object.keys(headers).sort();
  return [
    input.method,
    canonicalPath(input.url.pathname),
    canonicalQuery(input.url),
    names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`).join(""),
    names.join(";"),
    bytesToHex(sha256(utf8ToBytes(input.body))),
  ].join("\n");
}

/**
 * The headers to send: the given ones plus x-amz-date, the session token and Authorization. `host` is
 * signed but left out, since fetch sets it from the URL (and refuses it as a header).
 */
export function signRequest(input: SignInput, credentials: AwsCredentials): Record<string, string> {
  const time = amzDate(input.date);
  const day = time.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  headers.host = input.url.host;
  headers["x-amz-date"] = time;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const request = canonicalRequest(input, headers);
  const stringToSign = ["AWS4-HMAC-SHA256", time, scope, bytesToHex(sha256(utf8ToBytes(request)))].join("\n");
  const key = signingKey(credentials.secretAccessKey, day, input.region, input.service);
  const signature = bytesToHex(hmac(sha256, key, utf8ToBytes(stringToSign)));
  key.fill(0);
  const signed = Object.keys(headers).sort().join(";");
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
  delete headers.host;
  return headers;
}
