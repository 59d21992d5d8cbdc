// Pieces the security page's sections share: instants as <time>, and one alert per section.
import { html, type SafeHtml } from '@authflow/html';
import { hasText } from './forms.js';
import { formatUtc } from './sessions-page.js';

/** Which section a message belongs to: each has its own alert. */
export type SecuritySection = 'totp' | 'email' | 'recovery' | 'devices';

export interface SectionError {
  readonly section: SecuritySection;
  readonly message: string;
}

/** A `<time>` for an epoch-ms instant; a missing or invalid one reads as `missing`. */
export function renderInstant(epochMs: number | null, missing = 'Unknown'): SafeHtml {
  const date = new Date(epochMs ?? Number.NaN);
  if (Number.isNaN(date.getTime())) return html`<span class="muted">${missing}</span>`;
  return html`<time datetime="${date.toISOString()}">${formatUtc(date)}</time>`;
}

/** The id of a section's alert, for the fields it is about to point at. */
export function sectionErrorId(section: SecuritySection): string {
  return `${section}-error`;
}

export function sectionMessage(
  error: SectionError | undefined,
  section: SecuritySection,
): string | undefined {
  return error?.section === section && hasText(error.message) ? error.message : undefined;
}

/** The alert of one section, announced on load. */
export function renderSectionAlert(
  error: SectionError | undefined,
  section: SecuritySection,
): SafeHtml | false {
  const message = sectionMessage(error, section);
  return (
    message !== undefined &&
    html`<div class="alert alert-error" id="${sectionErrorId(section)}" role="alert">
      <p>${message}</p>
    </div>`
  );
}
