import type { ApiKeyRow, KeyLimits, UserRole } from '../db/auth-schema.ts';
import type { IdentityStore } from '../db/identity-store.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { ModelRegistry } from '../providers/model-registry.ts';
import { isAdmin, type Caller } from './caller.ts';
import { apiKeyPrefix, newSecret, secretHash, shownPrefix } from './tokens.ts';

export interface NewKeyRequest {
  name: string;
  expires_at?: string | undefined;
  user_id?: string | undefined;
  role?: UserRole | undefined;
  limits?: KeyLimits | undefined;
  models?: string[] | undefined;
}

interface ApiKeyDependencies {
  store: IdentityStore;
  registry: ModelRegistry;
  now: () => Date;
}

const adminOnlyFields = ['user_id', 'role', 'limits', 'models'] as const;

/** API keys (API.md § API keys): created for oneself (admins: for anyone, with a role, limits and models), listed, revoked. */
export class ApiKeyService {
  private readonly dependencies: ApiKeyDependencies;

  constructor(dependencies: ApiKeyDependencies) {
    this.dependencies = dependencies;
  }

  /** Creates a key; the plaintext is returned here once and stored only as its SHA-256. */
  async create(caller: Caller, request: NewKeyRequest): Promise<{ row: ApiKeyRow; key: string }> {
    const { store, now } = this.dependencies;
    const forbidden = adminOnlyFields.filter((field) => request[field] !== undefined);
    if (forbidden.length > 0 && !isAdmin(caller)) {
      throw new AppError('FORBIDDEN', `Only admins may set ${forbidden.join(', ')}`, {
        details: forbidden.map((field) => ({ field, message: 'admin only' })),
      });
    }
    const createdAt = now();
    if (request.expires_at !== undefined && Date.parse(request.expires_at) <= createdAt.getTime()) {
      throw new AppError('INVALID_INPUT', 'Invalid input', {
        details: [{ field: 'expires_at', message: 'must be in the future' }],
      });
    }
    const userId = request.user_id ?? caller.userId;
    if (request.user_id !== undefined && !(await store.user(userId))) {
      throw new AppError('INVALID_INPUT', 'Invalid input', { details: [{ field: 'user_id', message: 'no such user' }] });
    }
    this.checkModels(request.models);
    const key = newSecret(apiKeyPrefix);
    const row = await store.createApiKey({
      id: crypto.randomUUID(),
      userId,
      name: request.name,
      prefix: shownPrefix(key),
      keyHash: await secretHash(key),
      // A key never has more rights than asked for: a user's own key is a user key, even an admin's unless asked.
      role: request.role ?? 'user',
      limits: request.limits ?? null,
      models: request.models ?? null,
      createdAt: createdAt.toISOString(),
      expiresAt: request.expires_at === undefined ? null : new Date(request.expires_at).toISOString(),
    });
    return { row, key };
  }

  /** The caller's own keys; an admin sees everyone's, or one user's with `userId`. */
  list(caller: Caller, userId: string | undefined): Promise<ApiKeyRow[]> {
    if (userId !== undefined && !isAdmin(caller) && userId !== caller.userId)
      throw new AppError('FORBIDDEN', "Only admins may list other users' keys");
    return this.dependencies.store.listApiKeys(isAdmin(caller) ? userId : caller.userId);
  }

  /** Revokes one of the caller's keys (an admin: any key); another user's key is 404. */
  async revoke(caller: Caller, id: string): Promise<void> {
    const revoked = await this.dependencies.store.revokeApiKey(
      id,
      isAdmin(caller) ? undefined : caller.userId,
      this.dependencies.now().toISOString(),
    );
    if (!revoked) throw notFound('API key');
  }

  /** Every model of a key's list must be a name the registry knows (an alias, or a model it routes). */
  private checkModels(models: string[] | undefined): void {
    const problems = (models ?? []).flatMap((name, index) => {
      try {
        this.dependencies.registry.resolve(name);
        return [];
      } catch {
        return [{ field: `models.${String(index)}`, message: `'${name}' is not a configured model or alias` }];
      }
    });
    if (problems.length > 0) throw new AppError('INVALID_INPUT', 'Invalid input', { details: problems });
  }
}
