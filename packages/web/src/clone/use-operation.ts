// A clone operation, live: the tRPC progress subscription (SSE) yields it on every change; if the
// stream drops before the operation has finished, polling every 2 s takes over (the seed's rate).
// Logs are polled while it runs and read once more when it ends.
import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { CloneOperation, LogEntry } from '@oec/shared';
import { trpc } from '../api/trpc.js';
import { isFinished } from '../logic/progress.js';

export interface LiveOperation {
  op: CloneOperation | null;
  logs: LogEntry[];
  /** True while the subscription delivers; false once polling took over. */
  live: boolean;
  refresh(): void;
}

export function useOperation(id: string | null): LiveOperation {
  const [streamed, setStreamed] = useState<CloneOperation | null>(null);
  const [live, setLive] = useState(true);
  useEffect(() => {
    setStreamed(null);
    setLive(true);
    if (!id) return;
    const sub = trpc.clones.progress.subscribe(
      { id },
      {
        onData: (op) => setStreamed(op),
        onError: () => setLive(false),
      },
    );
    return () => sub.unsubscribe();
  }, [id]);

  const polled = useQuery({
    queryKey: ['clone', id],
    queryFn: () => trpc.clones.get.query({ id: id ?? '' }),
    enabled: !!id,
    refetchInterval: (q) => (!live && !(q.state.data && isFinished(q.state.data)) ? 2000 : false),
  });
  const op = pickNewer(streamed, polled.data ?? null);
  const finished = op ? isFinished(op) : false;
  const logs = useQuery({
    queryKey: ['clone-logs', id, op?.status ?? null, finished],
    queryFn: () => trpc.clones.logs.query({ id: id ?? '', limit: 1000 }),
    enabled: !!id,
    refetchInterval: finished ? false : 2000,
  });
  return {
    op,
    logs: logs.data?.items ?? [],
    live,
    refresh: () => {
      void polled.refetch();
      void logs.refetch();
    },
  };
}

/** The further-along of two snapshots of one operation (finished beats running). */
function pickNewer(a: CloneOperation | null, b: CloneOperation | null): CloneOperation | null {
  if (!a || !b || a.id !== b.id) return a ?? b;
  if (isFinished(a) !== isFinished(b)) return isFinished(a) ? a : b;
  return a.progress.progress_percent >= b.progress.progress_percent ? a : b;
}
