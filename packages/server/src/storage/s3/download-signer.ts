import { createHash, createHmac } from 'node:crypto';

/** What signing needs from the SDK's credential chain, resolved ahead of time. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface DownloadRequest {
  /** The object's URL without a query: the SDK's own endpoint resolution made it (see S3Storage). */
  readonly objectUrl: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  /** When the signature is made; S3 accepts a past date, so callers round it for stable URLs. */
  readonly signedAt: Date;
  readonly expiresInSeconds: number;
  /** S3's response-* overrides, signed into the URL so they cannot be changed. */
  readonly responseHeaders: Readonly<Record<string, string>>;
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` included. */
const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * A presigned GetObject URL (SigV4, query string), made synchronously. The SDK's presigner is
 * async, but asset records are mapped to the wire synchronously; this produces the very URL
 * the SDK would (a unit test holds it to that) from credentials resolved beforehand.
 */
export function presignGetObject(request: DownloadRequest): string {
  const url = new URL(request.objectUrl);
  const amzDate = request.signedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${request.region}/s3/aws4_request`;
  const query: Record<string, string> = {
    ...request.responseHeaders,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${request.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(request.expiresInSeconds),
    'X-Amz-SignedHeaders': 'host',
    'x-id': 'GetObject',
    ...(request.credentials.sessionToken ? { 'X-Amz-Security-Token': request.credentials.sessionToken } : {}),
  };
  const queryString = (params: Record<string, string>) =>
    Object.keys(params)
      .sort()
      .map((name) => `${encode(name)}=${encode(params[name] as string)}`)
      .join('&');
  const canonicalQuery = queryString(query);
  // S3 signs the path as sent, each segment encoded once.
  const canonicalPath = url.pathname
    .split('/')
    .map((segment) => encode(decodeURIComponent(segment)))
    .join('/');
  const canonicalRequest = ['GET', canonicalPath, canonicalQuery, `host:${url.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${request.credentials.secretAccessKey}`, day), request.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  // Sorted in with the rest, where the SDK puts it.
  return `${url.origin}${canonicalPath}?${queryString({ ...query, 'X-Amz-Signature': signature })}`;
}
