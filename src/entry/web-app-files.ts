import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.ts';

/** Where `npm run build:web` puts the web app (the same folder wrangler.toml's `[assets]` serve). */
export const webAppFolder = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Says once at start when the web app was not built, so `/` answering 404 has an explanation. */
export function warnIfWebAppMissing(logger: Logger): void {
  if (!existsSync(`${webAppFolder}/index.html`)) {
    logger.warn('the web app is not built: `npm run build:web` makes web/dist (npm start does it)', { folder: webAppFolder });
  }
}
