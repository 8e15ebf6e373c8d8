// Component tests of the console (React) under node --test: a DOM from happy-dom registered as the
// globals a browser has, and a module hook that compiles the console's .tsx files on import with
// rolldown's transformer (the compiler Vite builds the console with; Node strips the types of .ts
// files itself but does not read JSX). Import this module before any console component.
import { registerHooks } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GlobalRegistrator } from '@happy-dom/global-registrator';
import { transformSync } from 'rolldown/experimental';

registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.tsx')) return nextLoad(url, context);
    const file = fileURLToPath(url);
    const result = transformSync(file, readFileSync(file, 'utf8'), { jsx: { runtime: 'automatic' } });
    if (result.errors.length > 0) throw new Error(`${file}: ${result.errors.map((error) => error.message).join('; ')}`);
    return { format: 'module', source: result.code, shortCircuit: true };
  },
});

if (!GlobalRegistrator.isRegistered) GlobalRegistrator.register({ url: 'http://localhost/console/' });
// React's act() warns unless the environment says it is a test.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
