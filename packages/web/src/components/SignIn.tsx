import { APIConnectionError, AuthenticationError } from '@assetd/sdk';
import { type FormEvent, useId, useState } from 'react';
import { clientFor } from '../client.ts';
import { type Credentials, saveCredentials } from '../session.ts';

/** The key and secret form. The secret goes to sessionStorage (localStorage with "remember"), never into a URL. */
export function SignIn(props: { notice: string | undefined; onSignedIn: (credentials: Credentials) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const credentials = { apiKey: String(form.get('apiKey') ?? '').trim(), apiSecret: String(form.get('apiSecret') ?? '').trim() };
    if (!credentials.apiKey || !credentials.apiSecret) return setError('Enter both the API key and its secret.');
    setBusy(true);
    setError(undefined);
    try {
      // Any authenticated call tells whether the key works; this one is also the project switcher's.
      await clientFor(credentials).projects.list({ maxRetries: 0 });
      saveCredentials(credentials, form.get('remember') === 'on');
      props.onSignedIn(credentials);
    } catch (caught) {
      if (caught instanceof AuthenticationError) setError('This API key and secret were not accepted: check them (npx assetd keys list).');
      else if (caught instanceof APIConnectionError) setError('The server cannot be reached: is assetd running?');
      else setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby={`${id}-title`} method="post" action="/">
        <h1 id={`${id}-title`}>assetd</h1>
        <p className="muted">Sign in with an API key to see and organise your asset library.</p>
        {props.notice && (
          <p className="notice" role="status">
            {props.notice}
          </p>
        )}
        <label htmlFor={`${id}-key`}>API key</label>
        <input id={`${id}-key`} name="apiKey" autoComplete="username" placeholder="key_…" required spellCheck={false} />
        <label htmlFor={`${id}-secret`}>API secret</label>
        <input id={`${id}-secret`} name="apiSecret" type="password" autoComplete="current-password" placeholder="sk_…" required />
        <label className="check">
          <input type="checkbox" name="remember" /> Remember on this device
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          No key yet? The server printed one at its first start; <code>npx assetd keys create</code> makes another.
        </p>
      </form>
    </main>
  );
}
