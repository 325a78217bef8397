import { APIConnectionError } from '@assetd/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

/**
 * Whether the server answers: false from the first query that could not reach it until the next
 * one that did. Queries retry by themselves and refetch when the window is focused again.
 */
export function useServerReachable(): boolean {
  const cache = useQueryClient().getQueryCache();
  const [reachable, setReachable] = useState(true);
  useEffect(
    () =>
      cache.subscribe((event) => {
        if (event.type !== 'updated') return;
        const { status, error } = event.query.state;
        if (status === 'error' && error instanceof APIConnectionError) setReachable(false);
        else if (status === 'success' && event.action.type === 'success') setReachable(true);
      }),
    [cache],
  );
  return reachable;
}
