/**
 * What must hold after a chaos run, checked by SQL on the database the API wrote (RELIABILITY.md case
 * 34): each a count of violations, all expected 0. Also the outcome of each planned fault, as figures.
 */
import type { ChaosClientResult } from './chaos-load.ts';
import { upstreamText, type ChaosFault, type ChaosRequestPlan } from './chaos-plan.ts';
import { fallbackModel } from './chaos-upstream.ts';

export type Query = <T>(statement: string, args?: (string | number | null)[]) => Promise<T[]>;

interface MessageRow {
  id: string;
  conversation_id: string;
  role: string;
  status: string;
  content: string;
  model: string | null;
  reply_to: string | null;
}

interface UsageRow {
  conversation_id: string | null;
  attempts: number;
}

export interface ChaosInvariants {
  /** Name → number of violations. */
  violations: Record<string, number>;
  /** Up to a few examples per violated invariant (request index and what was found), for replaying a seed. */
  examples: Record<string, string[]>;
  /** Per planned fault: requests, 200s, client saw done, stored complete / aborted / error / nothing. */
  outcomes: Partial<Record<ChaosFault, Record<string, number>>>;
}

const terminal = new Set(['complete', 'aborted', 'error']);

export const invariantNames = [
  'accepted request without exactly one user row',
  'accepted request without exactly one terminal answer',
  'half-written turn (user row, no answer)',
  'duplicate user rows for one request',
  'message in a non-terminal status',
  'answer not a prefix of what the upstream sent',
  'complete answer differs from what the upstream sent',
  'unexpected outcome for the planned fault',
  'orphaned generation lock',
  'conversation without exactly one usage row',
  'usage rows differ from generations',
  'model calls differ from usage attempts',
  'stream lease left',
  'unplanned client failure',
] as const;

type InvariantName = (typeof invariantNames)[number];

/** Whether what the client and the database show is what the request's planned fault should give. */
function expectedOutcome(plan: ChaosRequestPlan, client: ChaosClientResult, answer: MessageRow | undefined): boolean {
  const fullText = plan.tokens.join('');
  switch (plan.fault) {
    case 'none':
    case 'upstream-503':
      return (
        client.status === 200 &&
        client.done &&
        client.text === fullText &&
        answer?.status === 'complete' &&
        (plan.fault === 'none' || answer.model === fallbackModel)
      );
    case 'upstream-reset':
      return client.status === 200 && !client.done && client.errorCode !== undefined && answer?.status === 'error';
    case 'client-abort':
      // An abort can land before admission (nothing stored) or after the last token (complete).
      return answer === undefined || answer.status === 'aborted' || answer.status === 'complete';
  }
}

export async function checkChaosInvariants(
  query: Query,
  plans: readonly ChaosRequestPlan[],
  results: readonly ChaosClientResult[],
  modelCalls: (index: number) => number,
): Promise<ChaosInvariants> {
  const violations = Object.fromEntries(invariantNames.map((name) => [name, 0])) as Record<InvariantName, number>;
  const examples: Record<string, string[]> = {};
  const violate = (name: InvariantName, index: number, detail: string) => {
    violations[name] += 1;
    const list = (examples[name] ??= []);
    if (list.length < 5) list.push(`#${String(index)}: ${detail}`);
  };
  const outcomes: ChaosInvariants['outcomes'] = {};

  const users = await query<MessageRow>("select * from messages where role = 'user'");
  const usersByText = new Map<string, MessageRow[]>();
  for (const row of users) usersByText.set(row.content, [...(usersByText.get(row.content) ?? []), row]);
  const assistants = await query<MessageRow>("select * from messages where role = 'assistant'");
  const answersByConversation = new Map<string, MessageRow[]>();
  for (const row of assistants)
    answersByConversation.set(row.conversation_id, [...(answersByConversation.get(row.conversation_id) ?? []), row]);
  const usage = await query<UsageRow>('select conversation_id, attempts from usage');
  const usageByConversation = new Map<string, UsageRow[]>();
  for (const row of usage)
    if (row.conversation_id !== null)
      usageByConversation.set(row.conversation_id, [...(usageByConversation.get(row.conversation_id) ?? []), row]);

  for (const plan of plans) {
    const client = results[plan.index];
    if (client === undefined) continue;
    const accepted = client.status === 200;
    const userRows = usersByText.get(plan.message) ?? [];
    const [user] = userRows;
    const answers = user === undefined ? [] : (answersByConversation.get(user.conversation_id) ?? []);
    const [answer] = answers;
    if (client.failure !== undefined) violate('unplanned client failure', plan.index, client.failure);
    if (userRows.length > 1) violate('duplicate user rows for one request', plan.index, `${String(userRows.length)} user rows`);
    if (accepted && userRows.length !== 1)
      violate('accepted request without exactly one user row', plan.index, `${String(userRows.length)} user rows`);
    const terminalAnswers = answers.filter((row) => terminal.has(row.status) && row.reply_to === (user?.id ?? null));
    if (accepted && (answers.length !== 1 || terminalAnswers.length !== 1))
      violate('accepted request without exactly one terminal answer', plan.index, `${String(answers.length)} answers`);
    if (user !== undefined && answers.length === 0) violate('half-written turn (user row, no answer)', plan.index, 'no answer');
    if (answer !== undefined) {
      const sent = upstreamText(plan);
      if (!sent.startsWith(answer.content))
        violate('answer not a prefix of what the upstream sent', plan.index, JSON.stringify(answer.content));
      if (answer.status === 'complete' && answer.content !== plan.tokens.join(''))
        violate('complete answer differs from what the upstream sent', plan.index, JSON.stringify(answer.content));
    }
    if (!expectedOutcome(plan, client, answer))
      violate(
        'unexpected outcome for the planned fault',
        plan.index,
        `${plan.fault}: client ${String(client.status)} done=${String(client.done)} error=${String(client.errorCode)}, stored ${answer?.status ?? 'nothing'}`,
      );
    if (user !== undefined) {
      const rows = usageByConversation.get(user.conversation_id) ?? [];
      if (rows.length !== 1) violate('conversation without exactly one usage row', plan.index, `${String(rows.length)} rows`);
      // A client that aborts can leave before the model call reached the upstream; the others cannot.
      const attempts = rows.reduce((sum, row) => sum + row.attempts, 0);
      if (plan.fault !== 'client-abort' && attempts !== modelCalls(plan.index))
        violate(
          'model calls differ from usage attempts',
          plan.index,
          `${String(modelCalls(plan.index))} calls, ${String(attempts)} attempts`,
        );
    }

    const counts = (outcomes[plan.fault] ??= { requests: 0, '200': 0, done: 0, complete: 0, aborted: 0, error: 0, nothing: 0 });
    counts['requests'] = (counts['requests'] ?? 0) + 1;
    if (accepted) counts['200'] = (counts['200'] ?? 0) + 1;
    if (client.done) counts['done'] = (counts['done'] ?? 0) + 1;
    const stored = answer?.status ?? 'nothing';
    counts[stored] = (counts[stored] ?? 0) + 1;
  }

  const [nonTerminal] = await query<{ count: number }>(
    "select count(*) as count from messages where status not in ('complete', 'aborted', 'error')",
  );
  violations['message in a non-terminal status'] = nonTerminal?.count ?? 0;
  const locked = await query<{ id: string }>('select id from conversations where active_generation_id is not null');
  violations['orphaned generation lock'] = locked.length;
  if (locked.length > 0) examples['orphaned generation lock'] = locked.slice(0, 5).map((row) => row.id);
  violations['usage rows differ from generations'] = Math.abs(usage.length - assistants.length);
  const [leases] = await query<{ count: number }>('select count(*) as count from stream_leases');
  violations['stream lease left'] = leases?.count ?? 0;
  return { violations, examples, outcomes };
}

/**
 * Waits until no generation holds a lock or a stream lease, and nothing was written for half a second
 * (the last writes after aborts), at most `timeoutMs`.
 */
export async function waitForQuiet(query: Query, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [state] = await query<{ busy: number; messages: number; usage: number }>(
      `select (select count(*) from conversations where active_generation_id is not null)
        + (select count(*) from stream_leases) as busy,
        (select count(*) from messages) as messages, (select count(*) from usage) as usage`,
    );
    const now = `${String(state?.messages)}/${String(state?.usage)}`;
    if ((state?.busy ?? 0) === 0 && now === last) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
