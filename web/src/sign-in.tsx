import { useState, type SyntheticEvent } from 'react';
import { register, signIn } from './api.ts';
import { describeError } from './errors.ts';

const authMessages: Record<number, string> = {
  401: 'Wrong email or password.',
  403: 'Registration is turned off on this server.',
  409: 'That email is already registered: sign in instead.',
};

/** Sign in, or register and then sign in; the session is the cookie the login sets. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (action: 'sign-in' | 'register') => {
    setBusy(true);
    setError(undefined);
    try {
      if (action === 'register') await register(email, password);
      await signIn(email, password);
      onSignedIn();
    } catch (caught) {
      const status = (caught as { status?: number }).status;
      setError((status === undefined ? undefined : authMessages[status]) ?? describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    void run('sign-in');
  };

  return (
    <main className="sign-in">
      <form onSubmit={submit} className="sign-in-form">
        <h1>edge-llm chat</h1>
        <label>
          Email
          <input type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            minLength={8}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {error === undefined ? null : (
          <p role="alert" className="alert">
            {error}
          </p>
        )}
        <div className="sign-in-actions">
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
          <button type="button" disabled={busy} onClick={() => void run('register')}>
            Register
          </button>
        </div>
      </form>
    </main>
  );
}
