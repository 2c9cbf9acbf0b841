// Webhook signatures: X-Pgbackops-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">.
// Signing the time with the body lets a receiver refuse a replayed request: it checks the HMAC, then that
// t is within its replay window (docs/monitoring.md#verifying-a-webhook).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Pgbackops-Signature';

export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; why: string };

/** A receiver's check: the HMAC matches and the timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): SignatureCheck {
  if (!header) return { ok: false, why: 'no signature header' };
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || !given) return { ok: false, why: 'malformed signature header' };
  const expected = Buffer.from(hmac(secret, t, body));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, why: 'signature mismatch' };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, why: 'timestamp outside the replay window' };
  return { ok: true, timestamp: t };
}

function hmac(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}
