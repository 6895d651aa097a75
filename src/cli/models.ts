/** `edge-llm models`: the table of GET /api/models (provider, name, size, available). */
import type { Command } from 'commander';
import type { ModelInfo } from '../client/api-types.ts';
import type { CliContext } from './cli-context.ts';
import { dash, formatBytes, formatTime, formatTable, writeJson } from './output.ts';

export function registerModels(program: Command, context: CliContext): void {
  program
    .command('models')
    .description("list every provider's models and the aliases (GET /api/models)")
    .action(async (_options: unknown, command: Command) => {
      const { json } = context.globals(command);
      const { models } = await context.client(command).get<{ models: ModelInfo[] }>('/api/models');
      if (json) {
        writeJson(context.io.stdout, { models });
        return;
      }
      const colors = context.colors.stdout;
      const table = formatTable<ModelInfo>(
        [
          { header: 'provider', value: (model) => model.provider },
          { header: 'name', value: (model) => (model.chain ? `${model.name} → ${model.chain.join(', ')}` : model.name) },
          { header: 'size', value: (model) => formatBytes(model.size_bytes ?? model.size), align: 'right' },
          {
            header: 'available',
            value: (model) => (model.available === false ? colors.red(`no${model.error ? ` (${model.error})` : ''}`) : 'yes'),
          },
          { header: 'modified', value: (model) => (model.modified_at ? formatTime(model.modified_at) : dash) },
        ],
        models,
        colors,
      );
      context.io.stdout.write(table);
    });
}
