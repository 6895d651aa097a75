import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };
import type { RuntimeCommand } from './runtime-server.ts';

const root = new URL('../../', import.meta.url);

/**
 * The command of an npm script (e.g. `start:bun`), split into arguments, with the executable from
 * node_modules/.bin and paths made absolute: the smoke tests start the server exactly as the script does.
 */
export function scriptCommand(name: 'start:bun' | 'start:deno' | 'serve'): RuntimeCommand {
  const [executable = '', ...args] = packageJson.scripts[name].split(/\s+/);
  return {
    command: executable === 'node' ? process.execPath : fileURLToPath(new URL(`node_modules/.bin/${executable}`, root)),
    args: args.map((argument) => (/^(src|dist)\//.test(argument) ? fileURLToPath(new URL(argument, root)) : argument)),
  };
}
