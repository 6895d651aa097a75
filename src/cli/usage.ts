/** `edge-llm usage`: requests, tokens and cost from GET /api/usage, grouped by model, day, key or user. */
import { InvalidArgumentError, type Command } from 'commander';
import type { UsageCounts, UsageGroupBy, UsageReport } from '../client/api-types.ts';
import type { CliContext, Colors } from './cli-context.ts';
import { formatCost, formatCount, formatTable, writeJson } from './output.ts';

const groupings: readonly UsageGroupBy[] = ['model', 'day', 'key', 'user'];

function groupBy(value: string): UsageGroupBy {
  const found = groupings.find((grouping) => grouping === value);
  if (found === undefined) throw new InvalidArgumentError(`must be one of ${groupings.join(', ')}`);
  return found;
}

type UsageLine = UsageCounts & { group: string | null };

/** The report as a table with a totals row, and the period it covers. */
export function formatUsage(report: UsageReport, colors: Colors): string {
  const table = formatTable<UsageLine>(
    [
      // A call made without a key has no key group.
      { header: report.group_by, value: (row) => row.group ?? '(no key)' },
      { header: 'requests', value: (row) => formatCount(row.requests), align: 'right' },
      { header: 'input tokens', value: (row) => formatCount(row.input_tokens), align: 'right' },
      { header: 'output tokens', value: (row) => formatCount(row.output_tokens), align: 'right' },
      { header: 'cost', value: (row) => formatCost(row.cost_usd), align: 'right' },
    ],
    report.rows,
    colors,
    { group: 'total', ...report.totals },
  );
  return `${table}${colors.dim(`from ${report.from} to ${report.to} (to excluded)`)}\n`;
}

export function registerUsage(program: Command, context: CliContext): void {
  program
    .command('usage')
    .description('requests, tokens and cost (GET /api/usage; yours, or everyone’s for an admin)')
    .option('--from <iso>', 'start, included (default: 30 days ago)')
    .option('--to <iso>', 'end, excluded (default: now)')
    .option('--group-by <grouping>', groupings.join(', '), groupBy, 'model')
    .action(async (options: { from?: string; to?: string; groupBy: UsageGroupBy }, command: Command) => {
      const report = await context
        .client(command)
        .get<UsageReport>('/api/usage', { query: { from: options.from, to: options.to, group_by: options.groupBy } });
      if (context.globals(command).json) writeJson(context.io.stdout, report);
      else context.io.stdout.write(formatUsage(report, context.colors.stdout));
    });
}
