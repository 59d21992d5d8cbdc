// The protected backend's answer: a fixed JSON document of exactly 120 bytes, as in the reference.

export const BACKEND_BODY_BYTES = 120;

export function backendBody(): Buffer {
  const base = { ok: true, service: 'bench-backend', user: 'from-assertion', padding: '' };
  const emptyLength = Buffer.byteLength(JSON.stringify(base));
  const body = JSON.stringify({ ...base, padding: 'x'.repeat(BACKEND_BODY_BYTES - emptyLength) });
  if (Buffer.byteLength(body) !== BACKEND_BODY_BYTES)
    throw new Error('backend body is not 120 bytes');
  return Buffer.from(body);
}
