import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ClientContext, isSignedOut } from './api.ts';
import { clientFor } from './client.ts';
import { Library } from './components/Library.tsx';
import { SignIn } from './components/SignIn.tsx';
import { type Credentials, clearCredentials, loadCredentials, saveProject } from './session.ts';

export function App() {
  const [credentials, setCredentials] = useState<Credentials | undefined>(loadCredentials);
  const [notice, setNotice] = useState<string>();

  const signOut = (message?: string) => {
    clearCredentials();
    setCredentials(undefined);
    setNotice(message);
    window.history.replaceState(null, '', '/');
  };

  if (!credentials) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(undefined);
          setCredentials(signedIn);
        }}
      />
    );
  }
  return (
    <Session
      // A new session (another key, another project) starts from an empty cache.
      key={`${credentials.apiKey}/${credentials.projectId ?? ''}`}
      credentials={credentials}
      onSignOut={signOut}
      onProject={(projectId) => {
        saveProject(projectId);
        setCredentials({ ...credentials, projectId });
        window.history.pushState(null, '', '/');
      }}
    />
  );
}

function Session(props: { credentials: Credentials; onSignOut: (message?: string) => void; onProject: (projectId: string) => void }) {
  const { credentials } = props;
  const signOut = useRef(props.onSignOut);
  signOut.current = props.onSignOut;
  const client = useMemo(() => clientFor(credentials), [credentials]);
  const queryClient = useMemo(() => {
    // A key revoked or expired mid-session: back to sign in, saying why.
    const onError = (error: unknown) => {
      if (isSignedOut(error)) signOut.current('Your API key no longer works (revoked or expired): sign in again.');
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: { queries: { retry: (count, error) => !isSignedOut(error) && count < 2, staleTime: 10_000 } },
    });
  }, []);
  useEffect(() => () => queryClient.clear(), [queryClient]);
  return (
    <ClientContext.Provider value={client}>
      <QueryClientProvider client={queryClient}>
        <Library projectId={credentials.projectId} onProject={props.onProject} onSignOut={() => signOut.current()} />
      </QueryClientProvider>
    </ClientContext.Provider>
  );
}
