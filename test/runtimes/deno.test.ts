import { describeGracefulShutdown } from './graceful-shutdown.ts';
import { describeRuntimeAuthSmoke } from './runtime-auth-smoke.ts';
import { describeRuntimeSmoke } from './runtime-smoke.ts';
import { scriptCommand } from './script-command.ts';

// `npm run start:deno`, with Deno from npm (devDependency `deno`) using the node_modules `npm ci` installed.
describeRuntimeSmoke('Deno', scriptCommand('start:deno'));
describeRuntimeAuthSmoke('Deno', scriptCommand('start:deno'));
describeGracefulShutdown('Deno', scriptCommand('start:deno'));
