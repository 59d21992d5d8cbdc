// The trusted devices of the security page: browsers that skip the second factor, each revocable.
import { html, type SafeHtml } from '@authflow/html';
import type { TrustedDevice } from '../mfa/mfa-ports.js';
import { AUTH_PATHS } from './auth-paths.js';
import { renderHiddenField, renderPostForm, renderSubmitButton } from './forms.js';
import type { PageContext } from './page-context.js';
import { renderInstant, renderSectionAlert, type SectionError } from './security-parts.js';

/** What the page shows of a trusted device (a whole `TrustedDevice` fits). */
export type TrustedDeviceView = Pick<
  TrustedDevice,
  'id' | 'deviceLabel' | 'createdAt' | 'expiresAt'
>;

export interface TrustedDevicesInput {
  readonly trustedDevices: readonly TrustedDeviceView[];
  readonly currentTrustedDeviceId?: string | undefined;
  readonly error?: SectionError | undefined;
}

function renderRevokeForm(context: PageContext, device: TrustedDeviceView): SafeHtml {
  // The visible text repeats on every row; the accessible name says which device it is about.
  return renderPostForm({
    action: AUTH_PATHS.revokeTrustedDevice,
    csrfToken: context.csrfToken,
    className: 'form-inline',
    content: html`${renderHiddenField('device_id', device.id)}
      <button
        type="submit"
        class="button button-secondary button-small"
        aria-label="Stop trusting ${device.deviceLabel}"
      >
        Stop trusting
      </button>`,
  });
}

function renderRow(context: PageContext, device: TrustedDeviceView, current: boolean): SafeHtml {
  return html` <tr>
    <th scope="row">
      ${device.deviceLabel}${current && html` <strong class="badge">This device</strong>`}
    </th>
    <td data-label="Trusted since">${renderInstant(device.createdAt)}</td>
    <td data-label="Until">${renderInstant(device.expiresAt)}</td>
    <td class="session-action">${renderRevokeForm(context, device)}</td>
  </tr>`;
}

function renderTable(context: PageContext, input: TrustedDevicesInput): SafeHtml {
  return html` <div
    class="table-scroll"
    role="region"
    aria-labelledby="devices-caption"
    tabindex="0"
  >
    <table class="sessions">
      <caption id="devices-caption">
        Devices that skip the second factor
      </caption>
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">Trusted since</th>
          <th scope="col">Until</th>
          <th scope="col"><span class="visually-hidden">Action</span></th>
        </tr>
      </thead>
      <tbody>
        ${input.trustedDevices.map((device) => renderRow(context, device, device.id === input.currentTrustedDeviceId))}
      </tbody>
    </table>
  </div>`;
}

export function renderTrustedDevicesSection(
  context: PageContext,
  input: TrustedDevicesInput,
): SafeHtml {
  const devices = input.trustedDevices;
  return html`<section class="settings-section" aria-labelledby="devices-heading">
    <h2 id="devices-heading">Trusted devices</h2>
    <p>
      Browsers where you chose "Don't ask again on this device". They still need your password.
      Changing your password or removing a factor ends them all.
    </p>
    ${renderSectionAlert(input.error, 'devices')}
    ${
      devices.length > 0
        ? renderTable(context, input)
        : html`<p class="muted">No device skips the second factor.</p>`
    }
    ${
      devices.length > 1 &&
      renderPostForm({
        action: AUTH_PATHS.revokeAllTrustedDevices,
        csrfToken: context.csrfToken,
        className: 'form-inline',
        content: renderSubmitButton('Stop trusting all devices', 'secondary'),
      })
    }
  </section>`;
}
