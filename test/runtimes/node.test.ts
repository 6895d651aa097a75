import { describeGracefulShutdown } from './graceful-shutdown.ts';
import { scriptCommand } from './script-command.ts';

// `npm run serve` (what `npm start` runs after building the web app), in its own process.
describeGracefulShutdown('Node', scriptCommand('serve'));
