// Password reset in two pages: ask for a link by address, then choose a new password with it.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import { email, password, token } from '../api/schemas.js';
import {
  renderErrorPage,
  renderForgotPasswordPage,
  renderPasswordChangedPage,
  renderResetPasswordPage,
  renderResetRequestedPage,
} from '../pages/index.js';
import { fieldErrorsOf, refusalOf } from './page-errors.js';
import { pageContext, sendPage, sendRefusal } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const emailForm = z.object({ email: z.string() });
const resetForm = z.object({ token: z.string(), password: z.string() });
const resetQuery = z.object({ token });

export function passwordResetRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { flows, cookies, branding } = options;

  app.get('/auth/forgot-password', (_request, reply) =>
    sendPage(reply, renderForgotPasswordPage(pageContext(reply, branding), {})),
  );

  app.post('/auth/forgot-password', options.formPost, async (request, reply) => {
    const form = emailForm.safeParse(request.body);
    if (!form.success || !email.safeParse(form.data.email).success) {
      return sendPage(
        reply,
        renderForgotPasswordPage(pageContext(reply, branding), {
          errors: { email: 'Enter your email address.' },
        }),
        400,
      );
    }
    const failure = await flows
      .requestPasswordReset(form.data.email, clientFactsOf(request))
      .then(() => undefined, refusalOf);
    if (failure !== undefined) {
      return sendRefusal(
        reply,
        failure,
        renderForgotPasswordPage(pageContext(reply, branding), {
          email: form.data.email,
          errors: fieldErrorsOf(failure),
        }),
      );
    }
    return sendPage(reply, renderResetRequestedPage(pageContext(reply, branding)));
  });

  app.get('/auth/reset-password', (request, reply) => {
    const query = resetQuery.safeParse(request.query);
    if (!query.success) {
      return sendPage(
        reply.header('x-authflow-error', 'validation_failed'),
        renderErrorPage(pageContext(reply, branding), {
          status: 400,
          title: 'Link invalid or incomplete',
          message:
            'This password reset link is missing its code or was cut short. Copy the whole link from the mail, or ask for a new one.',
        }),
        400,
      );
    }
    return sendPage(
      reply,
      renderResetPasswordPage(pageContext(reply, branding), { token: query.data.token }),
    );
  });

  app.post('/auth/reset-password', options.formPost, async (request, reply) => {
    const form = resetForm.safeParse(request.body);
    const resetToken = form.success ? form.data.token : '';
    if (
      !form.success ||
      !token.safeParse(form.data.token).success ||
      !password.safeParse(form.data.password).success
    ) {
      return sendPage(
        reply,
        renderResetPasswordPage(pageContext(reply, branding), {
          token: resetToken,
          errors: { password: 'Enter a new password.' },
        }),
        400,
      );
    }
    const failure = await flows
      .resetPassword(form.data, clientFactsOf(request))
      .then(() => undefined, refusalOf);
    if (failure !== undefined) {
      return sendRefusal(
        reply,
        failure,
        renderResetPasswordPage(pageContext(reply, branding), {
          token: resetToken,
          errors: fieldErrorsOf(failure),
        }),
      );
    }
    cookies.expire(reply);
    return sendPage(reply, renderPasswordChangedPage(pageContext(reply, branding)));
  });
  done();
}
