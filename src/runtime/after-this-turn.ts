/**
 * Runs `callback` once the current turn of the event loop (its I/O callbacks and microtasks) is done:
 * `setImmediate` where the runtime has it (Node, Bun, Deno), else `setTimeout(…, 0)` (workerd).
 */
export const afterThisTurn: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (callback) => void globalThis.setImmediate(callback)
    : (callback) => void setTimeout(callback, 0);
