// The session inventory: where the account is signed in, with a way to sign each device out.
import { html, type SafeHtml } from '@authflow/html';
import { renderTrustedDevicesSection, type TrustedDeviceView } from './trusted-devices-section.js';
import { AUTH_PATHS } from './auth-paths.js';
import { renderHiddenField, renderNotice, renderPostForm, renderSubmitButton } from './forms.js';
import { renderLayout } from './layout.js';
import type { PageContext } from './page-context.js';

export interface SessionView {
  readonly id: string;
  readonly deviceLabel: string;
  readonly ip: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** The session making this request: it is marked, and signed out with the logout form. */
  readonly current: boolean;
}

export interface SessionsView {
  readonly email: string;
  readonly sessions: readonly SessionView[];
  readonly notice?: string;
  /** Browsers that skip the second factor (listed when second factors are on). */
  readonly trustedDevices?: readonly TrustedDeviceView[] | undefined;
}

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** "2 Jan 2025, 14:05 UTC": the same text whatever the server's locale or time zone. */
export function formatUtc(date: Date): string {
  const month = MONTHS[date.getUTCMonth()] ?? '';
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return `${date.getUTCDate()} ${month} ${date.getUTCFullYear()}, ${time} UTC`;
}

/** A machine-readable `<time>`; an invalid date renders as "Unknown" rather than failing the page. */
function renderTime(date: Date): SafeHtml {
  if (Number.isNaN(date.getTime())) return html`<span class="muted">Unknown</span>`;
  return html`<time datetime="${date.toISOString()}">${formatUtc(date)}</time>`;
}

function renderRevokeForm(context: PageContext, session: SessionView): SafeHtml {
  // The visible text repeats on every row; the accessible name says which device it signs out.
  return renderPostForm({
    action: AUTH_PATHS.revokeSession,
    csrfToken: context.csrfToken,
    className: 'form-inline',
    content: html`${renderHiddenField('session_id', session.id)}
      <button
        type="submit"
        class="button button-secondary button-small"
        aria-label="Sign out ${session.deviceLabel}"
      >
        Sign out
      </button>`,
  });
}

function renderRow(context: PageContext, session: SessionView): SafeHtml {
  return html`
          <tr${session.current && html` class="session-current"`}>
            <th scope="row">${session.deviceLabel}${session.current && html` <strong class="badge">This device</strong>`}</th>
            <td data-label="Signed in">${renderTime(session.createdAt)}</td>
            <td data-label="Last active">${renderTime(session.lastSeenAt)}</td>
            <td data-label="IP address">${session.ip}</td>
            <td class="session-action">${!session.current && renderRevokeForm(context, session)}</td>
          </tr>`;
}

function renderTable(context: PageContext, sessions: readonly SessionView[]): SafeHtml {
  // On narrow screens each row becomes a card (stylesheet); the wrapper only scrolls if a
  // device label cannot wrap. tabindex lets keyboard users scroll it too.
  return html` <div
    class="table-scroll"
    role="region"
    aria-labelledby="sessions-caption"
    tabindex="0"
  >
    <table class="sessions">
      <caption id="sessions-caption">
        Devices signed in to your account
      </caption>
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">Signed in</th>
          <th scope="col">Last active</th>
          <th scope="col">IP address</th>
          <th scope="col"><span class="visually-hidden">Action</span></th>
        </tr>
      </thead>
      <tbody>
        ${sessions.map((session) => renderRow(context, session))}
      </tbody>
    </table>
  </div>`;
}

export function renderSessionsPage(context: PageContext, view: SessionsView): string {
  const { csrfToken } = context;
  const hasOthers = view.sessions.some((session) => !session.current);
  return renderLayout(context.branding, {
    title: 'Your sessions',
    width: 'wide',
    content: html`${renderNotice(view.notice)}
      <p>
        Signed in as <strong>${view.email}</strong>. If you do not recognise a device, sign it out,
        then <a href="${AUTH_PATHS.forgotPassword}">reset your password</a>.
      </p>
      ${view.sessions.length > 0 ? renderTable(context, view.sessions) : html`<p>No active sessions.</p>`}
      <div class="actions">
        ${
          hasOthers &&
          renderPostForm({
            action: AUTH_PATHS.revokeOtherSessions,
            csrfToken,
            className: 'form-inline',
            content: renderSubmitButton('Sign out all other sessions', 'secondary'),
          })
        }${renderPostForm({
          action: AUTH_PATHS.logout,
          csrfToken,
          className: 'form-inline',
          content: renderSubmitButton('Sign out'),
        })}
      </div>
      ${
        view.trustedDevices !== undefined &&
        renderTrustedDevicesSection(context, { trustedDevices: view.trustedDevices })
      }`,
  });
}
