// Resolves `redirect_to` as GoTrue does: allowed URLs pass, anything else silently becomes the Site URL.
import type { DoubleSettings } from './settings.js';

export interface ResolvedRedirect {
  /** What the caller asked for (`null` when absent). */
  readonly requested: string | null;
  /** What the email link would carry. */
  readonly effective: string;
}

export function resolveRedirect(
  requested: string | null,
  settings: Pick<DoubleSettings, 'siteUrl' | 'redirectAllowList'>,
): ResolvedRedirect {
  const given = requested === null || requested === '' ? null : requested;
  return {
    requested: given,
    effective: isRedirectAllowed(given, settings) ? given : settings.siteUrl,
  };
}

function isRedirectAllowed(
  url: string | null,
  settings: Pick<DoubleSettings, 'siteUrl' | 'redirectAllowList'>,
): url is string {
  if (url === null || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (settings.redirectAllowList === null) return true;
  if (URL.canParse(settings.siteUrl) && new URL(settings.siteUrl).hostname === parsed.hostname) {
    return true;
  }
  return settings.redirectAllowList.some((pattern) => globToRegExp(pattern).test(url));
}

/** GoTrue's globs use `.` and `/` as separators: `*` stays inside one segment, `**` spans them. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern.charAt(i);
    if (char === '*' && pattern.charAt(i + 1) === '*') {
      source += '.*';
      i += 1;
    } else if (char === '*') {
      source += '[^./]*';
    } else {
      source += char.replace(/[\\^$.|?+()[\]{}]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
