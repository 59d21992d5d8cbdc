// Values the global setups hand to tests through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis the integration tests may write to (see redis.global-setup.ts). */
    redisUrl: string;
  }
}

export {};
