// IP address literals as Node's net.isIP accepts them (so as libpq and the resolver take them), read without
// node:net so that configuration checks stay pure: dotted-quad IPv4 without leading zeros, and IPv6 in its
// full, `::`-compressed and IPv4-suffixed forms with an optional `%zone`. A differential unit test holds it to
// net.isIP on generated input.

const V4_PART = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/** 4 or 6 for an IP address literal, 0 for anything else (net.isIP's answer). */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (isIpv4(text)) return 4;
  return isIpv6(text) ? 6 : 0;
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => V4_PART.test(p));
}

function isIpv6(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent !== -1 && !ZONE.test(text.slice(percent + 1))) return false;
  const address = percent === -1 ? text : text.slice(0, percent);
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map(groupsOf);
  if (groups.some((g) => g === null)) return false;
  const [head, tail] = groups as number[][];
  const width = (g: number[]) => g.reduce((sum, w) => sum + w, 0);
  // An IPv4 suffix stands for the last two groups, so only at the very end; `::` stands for one group or more.
  if (halves.length === 1) return width(head!) === 8 && !head!.slice(0, -1).includes(2);
  return width(head!) + width(tail!) <= 7 && !head!.includes(2) && !tail!.slice(0, -1).includes(2);
}

/** The width (1, or 2 for an IPv4 suffix) of each `:`-separated group, or null when one is malformed. */
function groupsOf(part: string): number[] | null {
  if (part === '') return [];
  const widths: number[] = [];
  for (const group of part.split(':')) {
    if (V6_GROUP.test(group)) widths.push(1);
    else if (isIpv4(group)) widths.push(2);
    else return null;
  }
  return widths;
}
