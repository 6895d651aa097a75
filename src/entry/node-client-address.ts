import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** The socket peer of a request served by @hono/node-server. */
export const nodeClientAddress = (c: Context): string | undefined => getConnInfo(c).remote.address;
