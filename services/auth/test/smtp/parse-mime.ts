// Kept only while auth's mail tests (src/mail/) import it by path: they move to
// `@authflow/testing` (issue 14), then this file goes.
export { type ParsedMail, parseMail } from '@authflow/testing';
