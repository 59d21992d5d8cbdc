// The response value every part of the double produces, and how it is written to the socket.
import type { ServerResponse } from 'node:http';

export type ReplyBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'text'; readonly contentType: string; readonly value: string };

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Absent for bodiless answers such as logout's 204. */
  readonly body?: ReplyBody;
}

export function jsonReply(
  status: number,
  value: unknown,
  headers?: Readonly<Record<string, string>>,
): Reply {
  return { status, body: { kind: 'json', value }, ...(headers ? { headers } : {}) };
}

export function textReply(status: number, contentType: string, value: string): Reply {
  return { status, body: { kind: 'text', contentType, value } };
}

export function emptyReply(status: number): Reply {
  return { status };
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body?.kind === 'json') {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(reply.body.value);
  } else if (reply.body?.kind === 'text') {
    headers['content-type'] = reply.body.contentType;
    payload = reply.body.value;
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}
