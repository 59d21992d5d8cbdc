// GET /.well-known/jwks.json: the public ES256 key whose `kid` the access tokens carry.
import { jsonReply } from '../reply.js';
import type { RouteHandler } from '../double-request.js';

export const handleJwks: RouteHandler = (_request, core) =>
  jsonReply(200, core.signer.jwks(), { 'cache-control': 'public, max-age=600' });
