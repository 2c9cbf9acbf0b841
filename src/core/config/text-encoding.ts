// Which Unicode encoding a YAML file is in, decided from its first bytes as the YAML 1.2 specification
// does (section 5.2, "Character Encodings"): a byte order mark, or the NUL bytes that an ASCII first
// character has in UTF-16 and UTF-32. pgbackops reads UTF-8 only, and a UTF-16 file must be reported as
// such, not as a binary file because of the NUL bytes of its ASCII characters.

export type YamlEncoding = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'UTF-32LE' | 'UTF-32BE';

export function yamlEncodingOf(bytes: Uint8Array): YamlEncoding {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (bytes.length >= 4) {
    if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) return 'UTF-32BE';
    if (b0 === 0x00 && b1 === 0x00 && b2 === 0x00 && b3 !== 0x00) return 'UTF-32BE';
    if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) return 'UTF-32LE';
    if (b0 !== 0x00 && b1 === 0x00 && b2 === 0x00 && b3 === 0x00) return 'UTF-32LE';
  }
  if (bytes.length >= 2) {
    if (b0 === 0xfe && b1 === 0xff) return 'UTF-16BE';
    if (b0 === 0x00 && b1 !== 0x00) return 'UTF-16BE';
    if (b0 === 0xff && b1 === 0xfe) return 'UTF-16LE';
    if (b0 !== 0x00 && b1 === 0x00) return 'UTF-16LE';
  }
  return 'UTF-8';
}
