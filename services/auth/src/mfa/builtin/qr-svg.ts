// The QR code of an otpauth:// URI, drawn server-side as an SVG element to put inline in a page.
import QRCode from 'qrcode';

/**
 * An `<svg>` element (no XML prolog) showing `text` as a QR code, error correction M, with the
 * quiet zone the spec asks for. Safe to inline: the markup is the library's paths only, `text`
 * itself never appears in it.
 */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return svg
    .replace(/^<\?xml[^>]*\?>\s*/u, '')
    .replace('<svg ', '<svg role="img" aria-label="QR code" ')
    .trim();
}
