// The test mail parser: header folding, encoded words, nested multiparts, QP and base64 bodies.
import { describe, expect, it } from 'vitest';
import { parseMail } from './parse-mime.js';

const crlf = (lines: string[]): string => lines.join('\r\n');

describe('parseMail', () => {
  it('unfolds headers and decodes encoded words, dropping the space between two of them', () => {
    const mail = parseMail(
      crlf([
        'Subject: =?UTF-8?Q?Caf=C3=A9_for?=',
        ' =?UTF-8?B?IMOGcsO4?= team',
        'Content-Type: text/plain;',
        '\tcharset="utf-8"',
        '',
        'hello',
      ]),
    );

    expect(mail.subject).toBe('Café for Ærø team');
    expect(mail.headers.get('content-type')).toBe('text/plain;\tcharset="utf-8"');
    expect(mail.text).toBe('hello');
    expect(mail.html).toBe('');
  });

  it('joins quoted-printable soft line breaks and decodes escaped bytes', () => {
    const mail = parseMail(
      crlf([
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'https://acme.test/verify?token=3Dabc-_def&next=3D%2F=',
        'app   ',
        'Gr=C3=BC=C3=9Fe=20',
        'end',
      ]),
    );

    expect(mail.text).toBe('https://acme.test/verify?token=abc-_def&next=%2Fapp\nGrüße \nend');
  });

  it('finds the text and HTML parts inside nested multiparts, base64 included', () => {
    const mail = parseMail(
      crlf([
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        'preamble',
        '--outer',
        'Content-Type: multipart/alternative; boundary=inner',
        '',
        '--inner',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('plain ✓ text').toString('base64'),
        '--inner',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>html</p>',
        '--inner--',
        '--outer',
        'Content-Type: text/plain',
        'Content-Disposition: attachment; filename=notes.txt',
        '',
        'not the body',
        '--outer--',
        'epilogue',
      ]),
    );

    expect(mail.text).toBe('plain ✓ text');
    expect(mail.html).toBe('<p>html</p>');
  });
});
