// The types every page shares with the route code that renders it.
import type { Branding } from '../branding.js';

/** What every page needs besides its own view: how to present the product, and the form token. */
export interface PageContext {
  readonly branding: Branding;
  /** Sent in every form as the hidden `_csrf` field. */
  readonly csrfToken: string;
}

/** The input fields a page can flag; `form` is a message about the form as a whole. */
export type FieldName = 'email' | 'password';

/** Validation messages by field, shown next to the field they are about. */
export type FieldErrors = Partial<Record<FieldName | 'form', string>>;
