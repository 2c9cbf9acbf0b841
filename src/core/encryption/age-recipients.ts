// What an age recipient may be in the configuration: a native X25519 public key (age1..., bech32 with its
// checksum, so a mistyped key is refused when the configuration is validated rather than when the first
// backup runs), or an OpenSSH ed25519 / RSA public key, which the age CLI encrypts to as well. Keys that
// need an age plugin (age1yubikey1..., age1tpm1...) are refused: a backup server would need the plugin, and
// a run failing at 2 a.m. for it is worse than a clear error now. A private key (AGE-SECRET-KEY-1...) is a
// secret and never belongs in the configuration (docs/encryption.md).

/** The bech32 alphabet (BIP 173), in value order. */
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
/** X25519 public keys are 32 bytes: 52 five-bit groups, then the 6-group checksum. */
const X25519_GROUPS = 52;

export type RecipientKind = 'x25519' | 'ssh-ed25519' | 'ssh-rsa';

export type RecipientCheck =
  | { ok: true; kind: RecipientKind }
  | { ok: false; secret: boolean; problem: string };

/** Is `text` a recipient the age CLI accepts with -r? The problem never quotes a secret. */
export function checkRecipient(text: string): RecipientCheck {
  if (/^AGE-SECRET-KEY-1/i.test(text.trim()) || /PRIVATE KEY-----/.test(text)) {
    return {
      ok: false, secret: true,
      problem: 'this is a private key: it must never be written in the configuration (it is kept in git and shown in plans); write its public key instead (`age-keygen -y key.txt`, or the .pub file of an SSH key)',
    };
  }
  if (text.startsWith('ssh-')) return checkSshRecipient(text);
  if (!/^age1/i.test(text)) {
    return { ok: false, secret: false, problem: 'not an age recipient: give an age public key (age1..., from `age-keygen`) or an OpenSSH ssh-ed25519 / ssh-rsa public key' };
  }
  // A native key's data never holds a "1" (not in the bech32 alphabet): a later "1" ends a plugin's prefix.
  const plugin = /^age1([a-z0-9]+)1/i.exec(text);
  if (plugin) {
    return { ok: false, secret: false, problem: `a recipient of the age plugin "age-plugin-${plugin[1]!.toLowerCase()}": plugins are not supported, give an X25519 key (age1...) or an SSH public key` };
  }
  return checkX25519(text);
}

function checkX25519(text: string): RecipientCheck {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return { ok: false, secret: false, problem: 'mixes upper and lower case: bech32 keys are written in one case' };
  const lower = text.toLowerCase();
  const data = lower.slice(4);
  if (data.length !== X25519_GROUPS + 6) {
    return { ok: false, secret: false, problem: `an age X25519 public key has 62 characters (age1 and 58 more); this one has ${text.length}` };
  }
  const values: number[] = [];
  for (const c of data) {
    const v = BECH32.indexOf(c);
    if (v < 0) return { ok: false, secret: false, problem: `character ${JSON.stringify(c)} is not used in age keys (bech32 has no b, i, o or 1 after the prefix)` };
    values.push(v);
  }
  if (polymod([...expandHrp('age'), ...values]) !== 1) {
    return { ok: false, secret: false, problem: 'its checksum does not match: the key was mistyped or truncated (copy it again from `age-keygen -y`)' };
  }
  // The last group carries 4 padding bits (52 groups hold 260 bits for 256): they must be zero.
  if ((values[X25519_GROUPS - 1]! & 0x0f) !== 0) return { ok: false, secret: false, problem: 'not a 32-byte X25519 key (non-zero padding)' };
  return { ok: true, kind: 'x25519' };
}

function checkSshRecipient(text: string): RecipientCheck {
  const m = /^(ssh-ed25519|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(?: [^\n]*)?$/.exec(text);
  if (!m) {
    const type = text.split(' ')[0]!;
    return type === 'ssh-ed25519' || type === 'ssh-rsa'
      ? { ok: false, secret: false, problem: `an OpenSSH public key is "${type} AAAA... [comment]" on one line` }
      : { ok: false, secret: false, problem: `SSH keys of type ${JSON.stringify(type)} cannot be age recipients: use ssh-ed25519 or ssh-rsa, or an age key` };
  }
  const kind = m[1] as 'ssh-ed25519' | 'ssh-rsa';
  const blob = Buffer.from(m[2]!, 'base64');
  // The wire format starts with the key type again, as a length-prefixed string.
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const inner = length > 0 && 4 + length <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : null;
  if (inner !== kind) return { ok: false, secret: false, problem: `the base64 part is not a ${kind} public key (it was cut, or belongs to another key type)` };
  if (kind === 'ssh-ed25519' && blob.length !== 4 + length + 4 + 32) return { ok: false, secret: false, problem: 'the base64 part is not a whole ssh-ed25519 public key' };
  return { ok: true, kind };
}

function expandHrp(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk >>> 0;
}

/** The canonical form in which a recipient is compared (and recorded): bech32 keys in lower case, SSH keys without their comment. */
export function recipientKey(text: string): string {
  if (text.startsWith('ssh-')) return text.split(' ').slice(0, 2).join(' ');
  return text.toLowerCase();
}
