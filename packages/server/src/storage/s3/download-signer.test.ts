import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { presignGetObject, type SigningCredentials } from './download-signer.ts';

/** The SDK's own presigned URL for the same request: ours must be identical, byte for byte. */
async function sdkUrl(options: {
  endpoint?: string;
  forcePathStyle: boolean;
  credentials: SigningCredentials;
  key: string;
  signedAt: Date;
  expiresIn: number;
}) {
  const client = new S3Client({
    region: 'eu-west-3',
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const command = new GetObjectCommand({
    Bucket: 'assets-bucket',
    Key: options.key,
    ResponseContentType: 'image/svg+xml',
    ResponseContentDisposition: 'attachment',
  });
  return getSignedUrl(client, command, { expiresIn: options.expiresIn, signingDate: options.signedAt });
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('presignGetObject', () => {
  it.each([
    { name: 'AWS, virtual-hosted', endpoint: undefined, forcePathStyle: false, credentials },
    { name: 'a custom endpoint, path style', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials },
    {
      name: 'temporary credentials',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: { ...credentials, sessionToken: 'IQoJb3JpZ2luX2VjE+/token==' },
    },
  ])('makes the URL the SDK makes ($name)', async ({ endpoint, forcePathStyle, credentials }) => {
    const key = 'assetd/objects/ab/file_0123456789ab';
    const signedAt = new Date('2025-03-04T05:10:00.000Z');
    const expected = await sdkUrl({ endpoint, forcePathStyle, credentials, key, signedAt, expiresIn: 3900 });
    const url = new URL(expected);
    const objectUrl = `${url.origin}${url.pathname}`;
    expect(objectUrl.endsWith(key)).toBe(true);
    const ours = presignGetObject({
      objectUrl,
      region: 'eu-west-3',
      credentials,
      signedAt,
      expiresInSeconds: 3900,
      responseHeaders: { 'response-content-type': 'image/svg+xml', 'response-content-disposition': 'attachment' },
    });
    expect(ours).toBe(expected);
  });
});
