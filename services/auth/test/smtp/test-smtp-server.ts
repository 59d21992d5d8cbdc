// Kept only while auth's mail tests (src/mail/) import it by path: they move to
// `@authflow/testing` (issue 14), then this file goes.
export {
  type ReceivedMail,
  startTestSmtpServer,
  type TestSmtpServer,
  type TestSmtpServerOptions,
} from '@authflow/testing';
