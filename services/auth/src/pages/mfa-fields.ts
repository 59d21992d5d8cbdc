// Form fields the second-factor pages add to forms.ts: one-time codes, a short name, a checkbox.
import { html, type SafeHtml } from '@authflow/html';
import { hasText } from './forms.js';

/** The longest name a factor may have; also `maxlength` on the name field. */
export const FACTOR_LABEL_MAX_LENGTH = 64;

interface FieldBase {
  /** Also the element id: unique on its page. */
  readonly name: string;
  readonly label: string;
  readonly hint?: string | undefined;
  /** Ids of elements outside the field that describe it, e.g. the form alert. */
  readonly describedBy?: readonly string[];
  readonly invalid?: boolean;
  readonly autofocus?: boolean;
}

export interface CodeFieldOptions extends FieldBase {
  /**
   * `numeric`: a 6-digit code (authenticator app, email), offered by the phone keypad and by
   * browsers that fill codes in. `recovery`: letters and digits, never autofilled or corrected.
   */
  readonly kind: 'numeric' | 'recovery';
}

function describedByIds(field: FieldBase, hintId: string): string[] {
  return [...(field.describedBy ?? []), hasText(field.hint) ? hintId : ''].filter(Boolean);
}

function renderAria(field: FieldBase, hintId: string): SafeHtml {
  const ids = describedByIds(field, hintId);
  return html`${ids.length > 0 && html` aria-describedby="${ids.join(' ')}"`}${field.invalid === true && html` aria-invalid="true"`}${field.autofocus === true && html` autofocus`}`;
}

function renderHint(field: FieldBase, hintId: string): SafeHtml | false {
  return hasText(field.hint) && html`<p class="hint" id="${hintId}">${field.hint}</p>`;
}

/**
 * A one-time code input. Type text, not number: codes keep their leading zeros, and a
 * spinner or scroll wheel must not change them.
 */
export function renderCodeField(field: CodeFieldOptions): SafeHtml {
  const hintId = `${field.name}-hint`;
  const typing =
    field.kind === 'numeric'
      ? html`inputmode="numeric" autocomplete="one-time-code"`
      : html`autocomplete="off" autocapitalize="none"`;
  return html` <div class="field">
    <label for="${field.name}">${field.label}</label>
    ${renderHint(field, hintId)}
    <input
      id="${field.name}"
      name="${field.name}"
      type="text"
      class="code-input"
      ${typing}
      spellcheck="false"
      required${renderAria(field, hintId)}
    />
  </div>`;
}

/** A short free-text field (a factor's name); the value is the user's and escaped as such. */
export function renderNameField(field: FieldBase & { readonly value: string }): SafeHtml {
  const hintId = `${field.name}-hint`;
  return html` <div class="field">
    <label for="${field.name}">${field.label}</label>
    ${renderHint(field, hintId)}
    <input
      id="${field.name}"
      name="${field.name}"
      type="text"
      autocomplete="off"
      maxlength="${FACTOR_LABEL_MAX_LENGTH}"
      value="${field.value}"
      required${renderAria(field, hintId)}
    />
  </div>`;
}

/** A checkbox with its label beside it, tied by `for`; it posts `true` when ticked. */
export function renderCheckbox(field: FieldBase): SafeHtml {
  const hintId = `${field.name}-hint`;
  return html` <div class="check">
    <input
      id="${field.name}"
      name="${field.name}"
      type="checkbox"
      value="true"
      ${renderAria(field, hintId)}
    />
    <label for="${field.name}">${field.label}</label>
    ${renderHint(field, hintId)}
  </div>`;
}
