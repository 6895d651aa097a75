import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPublicIpAddress } from '../services/public-address.ts';

type LookupOptions = LookupOneOptions | LookupAllOptions;
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

const defaultLookup: Lookup = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    callback(error, addresses);
  });
};

/**
 * A DNS lookup for connections made for clients: it resolves the name and refuses the connection when
 * any address it resolves to is not public, so a public-looking name that points at a private
 * address (or is re-bound to one) cannot reach the host or its network. The connection goes to the
 * address that was checked.
 */
export function publicOnlyLookup(resolve: Lookup = defaultLookup): Lookup {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, resolved) => {
      if (error) {
        callback(error, []);
        return;
      }
      const addresses = typeof resolved === 'string' ? [{ address: resolved, family: resolved.includes(':') ? 6 : 4 }] : resolved;
      const refused = addresses.find((entry) => !isPublicIpAddress(entry.address));
      if (refused !== undefined || addresses.length === 0) {
        const failure: NodeJS.ErrnoException = new Error(`${hostname} resolves to an address that is not public`);
        failure.code = 'EADDRNOTPUBLIC';
        callback(failure, []);
        return;
      }
      const [first] = addresses;
      if ('all' in options && options.all === true) callback(null, addresses);
      else if (first) callback(null, first.address, first.family);
    });
  };
}

/**
 * The fetch the Node entry gives the app for images it fetches for clients (image-fetch.ts checks the
 * URL; this checks where the name really points when it connects). Bun, Deno and Workers use their
 * own fetch: there only the URL checks apply (README "Images").
 */
export function createNodeImageFetch(options: { lookup?: Lookup } = {}): typeof fetch {
  const agent = new Agent({ connect: { lookup: publicOnlyLookup(options.lookup) } });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input instanceof Request ? input.url : input, {
      ...(init as object),
      dispatcher: agent,
    })) as unknown as typeof fetch;
}
