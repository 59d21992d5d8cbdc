// Kept only while auth's tests import it by path: they move to `@authflow/testing` (issue 14),
// then this file goes.
export { type Browser, chromeOnMac, firefoxOnLinux } from '@authflow/testing';
