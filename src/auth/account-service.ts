import type { Config } from '../config.ts';
import type { UserRow } from '../db/auth-schema.ts';
import type { IdentityStore } from '../db/identity-store.ts';
import { AppError } from '../errors/app-error.ts';
import type { Caller } from './caller.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { newSecret, secretHash, sessionTokenPrefix } from './tokens.ts';

interface AccountDependencies {
  config: Config;
  store: IdentityStore;
  now: () => Date;
}

export interface NewSession {
  token: string;
  expiresAt: string;
  user: UserRow;
}

/** Emails compare case-insensitively (API.md): they are stored trimmed and in lower case. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const wrongCredentials = () =>
  new AppError('UNAUTHORIZED', 'Wrong email or password', { headers: { 'WWW-Authenticate': 'Bearer' } });

/** Registration, login sessions and the signed-in user (API.md § Users and sessions). */
export class AccountService {
  private readonly dependencies: AccountDependencies;

  constructor(dependencies: AccountDependencies) {
    this.dependencies = dependencies;
  }

  async register(input: { email: string; password: string; name?: string | undefined }): Promise<UserRow> {
    const { config, store, now } = this.dependencies;
    if (!config.AUTH_ALLOW_REGISTRATION)
      throw new AppError('FORBIDDEN', 'Registration is closed (AUTH_ALLOW_REGISTRATION is not true)');
    const user = {
      id: crypto.randomUUID(),
      email: normalizeEmail(input.email),
      name: input.name ?? null,
      role: 'user' as const,
      passwordHash: await hashPassword(input.password),
      createdAt: now().toISOString(),
    };
    if (!(await store.createUser(user)))
      throw new AppError('CONFLICT', 'This email is already registered', {
        details: [{ field: 'email', message: 'already registered' }],
      });
    return { ...user, jwtIssuer: null, jwtSubject: null };
  }

  /**
   * A new session for a correct email and password. An unknown email takes the same path as a wrong
   * password (a password is checked against a dummy hash), so neither the answer nor its time tells
   * whether the email is registered.
   */
  async login(email: string, password: string): Promise<NewSession> {
    const { config, store, now } = this.dependencies;
    const user = await store.userByEmail(normalizeEmail(email));
    const matches = await verifyPassword(password, user?.passwordHash);
    if (!user || !matches) throw wrongCredentials();
    const token = newSecret(sessionTokenPrefix);
    const createdAt = now();
    const expiresAt = new Date(createdAt.getTime() + config.SESSION_TTL_SECONDS * 1000).toISOString();
    await store.createSession({
      id: crypto.randomUUID(),
      userId: user.id,
      tokenHash: await secretHash(token),
      createdAt: createdAt.toISOString(),
      expiresAt,
    });
    return { token, expiresAt, user };
  }

  /** Revokes the session the request came with (if it came with one). */
  async logout(caller: Caller): Promise<void> {
    if (caller.sessionId !== null)
      await this.dependencies.store.revokeSession(caller.sessionId, this.dependencies.now().toISOString());
  }

  async user(caller: Caller): Promise<UserRow> {
    const user = await this.dependencies.store.user(caller.userId);
    if (!user) throw new AppError('UNAUTHORIZED', 'The user of this credential no longer exists');
    return user;
  }
}
