// The sign-up page: the form, and its post that ends on "check your email" whatever the address.
import { authErrors } from '../errors/auth-errors.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import { type FieldErrors, renderCheckEmailPage, renderSignupPage } from '../pages/index.js';
import { readCredentialsForm } from './credentials-form.js';
import { fieldErrorsOf, refusalOf } from './page-errors.js';
import { pageContext, sendPage, sendRefusal } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const signupQuery = z.object({ next: z.string().max(4_096).optional() });

export function signUpRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { flows, branding } = options;

  app.get('/auth/signup', (request, reply) => {
    if (options.passwords === false) throw authErrors.create('not_found');
    const query = signupQuery.safeParse(request.query);
    const next = query.success ? query.data.next : undefined;
    return sendPage(reply, renderSignupPage(pageContext(reply, branding), { next }));
  });

  app.post('/auth/signup', options.formPost, async (request, reply) => {
    if (options.passwords === false) throw authErrors.create('not_found');
    const { typed, next, credentials } = readCredentialsForm(request.body);
    const signupPage = (errors: FieldErrors) =>
      renderSignupPage(pageContext(reply, branding), { email: typed, next, errors });
    if (credentials === undefined)
      return sendPage(reply, signupPage({ form: 'Enter an email address and a password.' }), 400);
    const failure = await flows
      .signUp(credentials, clientFactsOf(request))
      .then(() => undefined, refusalOf);
    if (failure !== undefined)
      return sendRefusal(reply, failure, signupPage(fieldErrorsOf(failure)));
    return sendPage(reply, renderCheckEmailPage(pageContext(reply, branding), { email: typed }));
  });
  done();
}
