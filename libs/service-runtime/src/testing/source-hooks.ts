// Module hooks that let Node run a service's TypeScript sources as written: `./x.js` imports
// resolve to `./x.ts` when only the source exists (Node strips the types itself).
import { registerHooks } from 'node:module';

const RELATIVE_JS = /^\.\.?\/.*\.js$/u;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
      if (!missing || !RELATIVE_JS.test(specifier)) throw error;
      return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
    }
  },
});
