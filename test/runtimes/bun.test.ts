import { describeGracefulShutdown } from './graceful-shutdown.ts';
import { describeRuntimeAuthSmoke } from './runtime-auth-smoke.ts';
import { describeRuntimeSmoke } from './runtime-smoke.ts';
import { scriptCommand } from './script-command.ts';

// `npm run start:bun`, with Bun from npm (devDependency `bun`).
describeRuntimeSmoke('Bun', scriptCommand('start:bun'));
describeRuntimeAuthSmoke('Bun', scriptCommand('start:bun'));
describeGracefulShutdown('Bun', scriptCommand('start:bun'));
