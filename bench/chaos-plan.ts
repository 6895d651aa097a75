/**
 * The script of a chaos run, derived from a seed alone: for each request its route, its fault, the text
 * the upstream answers and where the fault strikes. The fake upstream (chaos-upstream.ts) and the
 * client (chaos-load.ts) both read it, so a failing run is replayed exactly by running it again with
 * the same seed (the timing of the machine aside).
 */

export type ChaosFault = 'none' | 'client-abort' | 'upstream-reset' | 'upstream-503';
export type ChaosRoute = 'native' | 'openai';

export interface ChaosRequestPlan {
  index: number;
  /** `native`: POST /api/chat/stream; `openai`: POST /v1/chat/completions streamed, stored with X-Conversation-Id: new. */
  route: ChaosRoute;
  fault: ChaosFault;
  /** The user message: it carries the tag the fake upstream finds the plan by. */
  message: string;
  /** What the answering model sends when nothing cuts it short. */
  tokens: string[];
  tokenDelayMs: number;
  /** upstream-reset: text tokens written before the socket is destroyed (at least one). */
  resetAfterTokens: number;
  /** client-abort: the client aborts after this many text events (0: as soon as the headers arrived; at most half the answer)… */
  abortAfterTokens: number;
  /** …or, when set, this long after sending the request (wherever that lands: before admission, before the first token…). */
  abortAfterMs: number | undefined;
}

/** The fractions of the brief: 10 % client aborts, 10 % upstream resets, 5 % 503s before the first token. */
export const faultShares: Record<Exclude<ChaosFault, 'none'>, number> = {
  'client-abort': 0.1,
  'upstream-reset': 0.1,
  'upstream-503': 0.05,
};

/** mulberry32: a small, fast, seedable generator (the same sequence on every runtime). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Words with what framing must carry intact: non-Latin script, an emoji, a newline, quotes, a backslash. */
const vocabulary = ['alpha ', 'beta ', 'γάμμα ', 'delta\n', 'émoji 😀 ', '"quoted" ', 'back\\slash ', 'tab\t', 'zeta '];

const integer = (random: () => number, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

export function chaosPlan(seed: number, count: number): ChaosRequestPlan[] {
  const random = seededRandom(seed);
  const faults: ChaosFault[] = [];
  for (const [fault, share] of Object.entries(faultShares) as [ChaosFault, number][])
    for (let index = 0; index < Math.round(count * share); index += 1) faults.push(fault);
  while (faults.length < count) faults.push('none');
  // Fisher–Yates with the seeded generator: which request gets which fault.
  for (let index = faults.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [faults[index], faults[other]] = [faults[other] ?? 'none', faults[index] ?? 'none'];
  }
  return faults.map((fault, index) => {
    const tokenCount = integer(random, 6, 24);
    const tokens = Array.from({ length: tokenCount }, (_, position) => {
      const word = vocabulary[integer(random, 0, vocabulary.length - 1)] ?? 'x ';
      return `${String(position)}:${word}`;
    });
    const timedAbort = random() < 0.25;
    return {
      index,
      route: index % 2 === 0 ? 'native' : 'openai',
      fault,
      message: `${chaosTag(seed, index)} Tell me something.`,
      tokens,
      tokenDelayMs: integer(random, 20, 50),
      resetAfterTokens: integer(random, 1, tokenCount - 1),
      // In the first half: the client reads behind the gateway under load, and an abort near the end
      // mostly lands after the whole answer (stored complete, which the invariants accept too).
      abortAfterTokens: integer(random, 0, Math.floor((tokenCount - 1) / 2)),
      abortAfterMs: timedAbort ? integer(random, 0, 60) : undefined,
    };
  });
}

/** The tag in a request's user message, `[chaos 42 #17]`: how the fake upstream finds request 17 of seed 42. */
export const chaosTag = (seed: number, index: number) => `[chaos ${String(seed)} #${String(index)}]`;

/** The plan of the request whose body carries a chaos tag of this seed (undefined for any other request). */
export function planOf(plans: readonly ChaosRequestPlan[], seed: number, body: unknown): ChaosRequestPlan | undefined {
  const match = new RegExp(`\\[chaos ${String(seed)} #(\\d+)\\]`).exec(JSON.stringify(body));
  return match === null ? undefined : plans[Number(match[1])];
}

/** The text the upstream writes for a request before anything cuts it (a reset's first tokens, else all). */
export const upstreamText = (plan: ChaosRequestPlan) =>
  (plan.fault === 'upstream-reset' ? plan.tokens.slice(0, plan.resetAfterTokens) : plan.tokens).join('');
