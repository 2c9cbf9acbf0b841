// A secret given as a file (webhook secretFile/urlFile, SMTP usernameFile/passwordFile): its content without
// the trailing line break. The error names the field and path, never the content.
import { readFile } from 'node:fs/promises';

export async function readSecretFile(path: string, field: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${field} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new Error(`${field} ${path} is empty`);
  return value;
}
