import { AppError } from '../errors/app-error.ts';
import type { ModelRoute } from '../providers/model-registry.ts';
import type { Caller } from './caller.ts';

/**
 * A key limited to a list of models may call only those (API.md § API keys): the name as requested (an
 * alias, or `provider/model`) or the model it resolves to must be on the list. The default model is no
 * exception when a request names none. 403 before any upstream call.
 */
export function assertModelAllowed(caller: Caller, requested: string, route: ModelRoute): void {
  const allowed = caller.models;
  if (allowed === undefined || allowed.includes(requested) || allowed.includes(route.model.id)) return;
  throw new AppError('FORBIDDEN', `This API key may not use the model '${requested}'`, {
    details: [{ field: 'model', message: "not one of the API key's models" }],
  });
}
