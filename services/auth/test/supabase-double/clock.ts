// Settable clock for the double, so tests can expire tokens and email windows without sleeping.

export interface Clock {
  /** Current double time in epoch milliseconds (real time plus the offset). */
  now(): number;
  advance(ms: number): void;
  setOffset(ms: number): void;
}

export function createClock(): Clock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
    setOffset: (ms) => {
      offset = ms;
    },
  };
}

export function toEpochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
