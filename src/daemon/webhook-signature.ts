// GitHub-style webhook authentication: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of the header against the body's signature. */
export function isValidSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || secret === '') return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
