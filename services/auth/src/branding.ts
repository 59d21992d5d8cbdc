// How pages and mail present the product: configured once (AUTH_BRAND_*), used everywhere.

export interface Branding {
  /** Shown in titles, headings and mail, e.g. "Acme". */
  readonly appName: string;
  /** An https (or root-relative) image URL for the page header and mail; optional. */
  readonly logoUrl: string | undefined;
  /** `#rrggbb`, used for buttons and links. */
  readonly primaryColor: string;
  /** Shown as "Need help? Write to ..." when set. */
  readonly supportEmail: string | undefined;
  /** The public origin users reach the service at, e.g. `https://app.example.com`. */
  readonly publicUrl: string;
}
