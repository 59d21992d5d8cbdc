// Accessible form building blocks: labelled fields wired to their hints and errors, alerts, buttons.
import { html, type HtmlValue, type SafeHtml } from '@authflow/html';
import type { FieldErrors, FieldName } from './page-context.js';

/** The shortest password the hint promises; also set as `minlength` on new-password fields. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters.`;

export interface FieldOptions {
  /** Also the element id: each page has one form with fields, so names are unique ids. */
  readonly name: FieldName;
  readonly label: string;
  readonly type: 'email' | 'password';
  readonly autocomplete: 'username' | 'email' | 'current-password' | 'new-password';
  /** Prefilled value; never given for passwords. */
  readonly value?: string | undefined;
  readonly hint?: string | undefined;
  readonly error?: string | undefined;
  readonly autofocus?: boolean;
  readonly minLength?: number;
}

/** A message counts only when it has text, so an empty string does not flag a field. */
export function hasText(message: string | undefined): message is string {
  return message !== undefined && message !== '';
}

/** The field to focus on load: the first one with an error, else the first on the page. */
export function chooseAutofocus(
  fields: readonly FieldName[],
  errors: FieldErrors | undefined,
): FieldName | undefined {
  return fields.find((field) => hasText(errors?.[field])) ?? fields[0];
}

function optionalAttribute(name: string, value: string | number | undefined): SafeHtml | false {
  return value !== undefined && html` ${name}="${value}"`;
}

/**
 * A labelled input. Hint and error sit in elements with ids that the input lists in
 * `aria-describedby`, so screen readers read them with the field; the error comes first.
 */
export function renderField(field: FieldOptions): SafeHtml {
  const { name, error, hint } = field;
  const errorId = `${name}-error`;
  const hintId = `${name}-hint`;
  const invalid = hasText(error);
  const describedBy = [invalid ? errorId : '', hasText(hint) ? hintId : ''].filter(Boolean);
  return html` <div class="field${invalid ? ' field-invalid' : ''}">
    <label for="${name}">${field.label}</label>
    ${hasText(hint) && html`<p class="hint" id="${hintId}">${hint}</p>`}
    ${invalid && html`<p class="field-error" id="${errorId}"><span class="visually-hidden">Error: </span>${error}</p>`}
    <input
      id="${name}"
      name="${name}"
      type="${field.type}"
      autocomplete="${field.autocomplete}"
      required${optionalAttribute('value', field.value)}${optionalAttribute('minlength', field.minLength)}${describedBy.length > 0 && optionalAttribute('aria-describedby', describedBy.join(' '))}${invalid && html` aria-invalid="true"`}${field.autofocus === true && html` autofocus`}
    />
  </div>`;
}

export function renderHiddenField(name: string, value: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}" />`;
}

/** A message about the whole form (wrong credentials, rate limited), announced on load. */
export function renderFormAlert(message: string | undefined): SafeHtml | false {
  return (
    hasText(message) &&
    html` <div class="alert alert-error" id="form-error" role="alert"><p>${message}</p></div>`
  );
}

/** A neutral message (email verified, session signed out), announced politely. */
export function renderNotice(message: string | undefined): SafeHtml | false {
  return (
    hasText(message) && html` <div class="alert alert-notice" role="status"><p>${message}</p></div>`
  );
}

export interface PostFormOptions {
  readonly action: string;
  readonly csrfToken: string;
  readonly content: HtmlValue;
  readonly className?: string;
}

/** Every form posts to the auth service and carries the CSRF token. */
export function renderPostForm(options: PostFormOptions): SafeHtml {
  const { action, csrfToken, content, className = 'form' } = options;
  return html` <form method="post" action="${action}" class="${className}">
    ${renderHiddenField('_csrf', csrfToken)}${content}
  </form>`;
}

export function renderSubmitButton(
  label: string,
  variant: 'primary' | 'secondary' = 'primary',
): SafeHtml {
  return html`<button type="submit" class="button button-${variant}">${label}</button>`;
}
