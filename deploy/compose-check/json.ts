// Narrowing helpers for the JSON model Compose prints.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
export function asObject(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}
export function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}
export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
export function strings(value: unknown): string[] {
  return asArray(value).flatMap((item) => {
    const text = asString(item);
    return text === undefined ? [] : [text];
  });
}
