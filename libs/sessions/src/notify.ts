// Delivers a revocation to one listener; a throwing listener must not break delivery or the process.
import type { RevocationListener } from './session-store.js';

export function notify(listener: RevocationListener, sessionId: string): void {
  try {
    listener(sessionId);
  } catch {
    // The listener owns its errors; a revocation store has no logger to report them to.
  }
}
