import { dirname, join } from 'node:path';

/** The compiled entry point of an app, found through its workspace package (no app is imported). */
export function appMain(app: string): string {
  return join(dirname(require.resolve(`@mail/app-${app}/package.json`)), 'dist', 'main.js');
}
