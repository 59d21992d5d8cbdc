// Reads verification links from the auth service's development outbox (.eml files).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Undoes quoted-printable (soft line breaks and =XX escapes) so links are whole again. */
function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/gu, '')
    .replace(/=([0-9A-F]{2})/gu, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The text of every base64 body part, decoded. */
function decodedBase64Parts(eml: string): string[] {
  const parts: string[] = [];
  for (const match of eml.matchAll(
    /Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/giu,
  )) {
    parts.push(Buffer.from((match[1] ?? '').replace(/\s+/gu, ''), 'base64').toString('utf8'));
  }
  return parts;
}

export function verificationTokenIn(eml: string): string | undefined {
  for (const text of [decodeQuotedPrintable(eml), ...decodedBase64Parts(eml)]) {
    const match = /verify-email\?token=([A-Za-z0-9_.~%-]+)/u.exec(text);
    if (match?.[1] !== undefined) return decodeURIComponent(match[1]);
  }
  return undefined;
}

/** Verification tokens by recipient, from every verify_email message in the folder. */
export async function verificationTokens(folder: string): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return tokens;
  }
  for (const name of names.filter(
    (file) => file.includes('-verify_email-') && file.endsWith('.eml'),
  )) {
    const recipient = /-verify_email-(.+?)(?:-\d+)?\.eml$/u.exec(name)?.[1];
    const token = verificationTokenIn(await readFile(join(folder, name), 'utf8'));
    if (recipient !== undefined && token !== undefined) tokens.set(recipient, token);
  }
  return tokens;
}
