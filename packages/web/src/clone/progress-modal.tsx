// The progress modal: opens when a clone starts (or from the history), live from the
// subscription. Cancel while the contract allows it, Minimize (the clone keeps running; a pill in
// the header reopens it), Retry Clone after a failure, Close when done. Toasts on the outcome.
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorInfo, trpc } from '../api/trpc.js';
import type { ApiErrorInfo } from '../api/trpc.js';
import { useToasts } from '../components/toasts.js';
import { ErrorNote, Modal } from '../components/ui.js';
import { canCancel, failureToast, isFinished, retryOffer, statusBadge } from '../logic/progress.js';
import { OperationView } from './operation-view.js';
import { useOperation } from './use-operation.js';

interface ActiveOperation {
  open(id: string): void;
}

const ActiveContext = createContext<ActiveOperation>({ open: () => undefined });

export function useActiveOperation(): ActiveOperation {
  return useContext(ActiveContext);
}

export function ActiveOperationProvider({ children }: { children: ReactNode }) {
  const [id, setId] = useState<string | null>(null);
  const [minimized, setMinimized] = useState(false);
  const open = (next: string) => {
    setId(next);
    setMinimized(false);
  };
  return (
    <ActiveContext.Provider value={{ open }}>
      {children}
      {id && (
        <ProgressModal
          key={id}
          id={id}
          minimized={minimized}
          onMinimize={() => setMinimized(true)}
          onRestore={() => setMinimized(false)}
          onClose={() => setId(null)}
          onRetried={open}
        />
      )}
    </ActiveContext.Provider>
  );
}

function ProgressModal({
  id,
  minimized,
  onMinimize,
  onRestore,
  onClose,
  onRetried,
}: {
  id: string;
  minimized: boolean;
  onMinimize: () => void;
  onRestore: () => void;
  onClose: () => void;
  onRetried: (id: string) => void;
}) {
  const { op, logs } = useOperation(id);
  const toasts = useToasts();
  const queries = useQueryClient();
  const [actionError, setActionError] = useState<ApiErrorInfo | null>(null);
  const seenRunning = useRef(false);
  const finished = op ? isFinished(op) : false;
  const offer = op ? retryOffer(op) : null;

  useEffect(() => {
    if (!op) return;
    if (!isFinished(op)) {
      seenRunning.current = true;
      return;
    }
    void queries.invalidateQueries({ queryKey: ['environments'] });
    void queries.invalidateQueries({ queryKey: ['operations'] });
    if (!seenRunning.current) return;
    seenRunning.current = false;
    if (op.status === 'completed') toasts.show('green', 'Clone completed successfully!');
    else if (op.status === 'failed') toasts.show('red', failureToast(op));
  }, [op?.status]);

  const cancel = useMutation({
    mutationFn: () => trpc.clones.cancel.mutate({ id }),
    onSuccess: () => toasts.show('blue', 'Clone cancelled'),
    onError: (err) => setActionError(errorInfo(err)),
  });
  const retry = useMutation({
    mutationFn: () => trpc.clones.retry.mutate({ id }),
    onSuccess: (next) => onRetried(next.id),
    onError: (err) => setActionError(errorInfo(err)),
  });

  if (minimized) {
    const badge = op ? statusBadge(op) : null;
    return (
      <button type="button" className={`op-pill badge-${badge?.tone ?? 'blue'}`} onClick={onRestore} aria-label="Show clone progress">
        {badge?.busy && <span className="spinner" aria-hidden="true" />}
        {op ? `${op.target.name}: ${badge?.label} ${Math.round(op.progress.progress_percent)}%` : 'Clone'}
      </button>
    );
  }
  return (
    <Modal
      title={op ? `Cloning into ${op.target.name}` : 'Clone'}
      onClose={finished ? onClose : onMinimize}
      wide
      footer={
        <>
          {op && canCancel(op) && (
            <button type="button" className="button danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              {cancel.isPending ? 'Cancelling…' : 'Cancel Clone'}
            </button>
          )}
          {offer && (
            <button
              type="button"
              className="button primary"
              disabled={retry.isPending || !offer.enabled}
              title={offer.hint ?? undefined}
              onClick={() => retry.mutate()}
            >
              {retry.isPending ? 'Retrying…' : offer.label}
            </button>
          )}
          {!finished && (
            <button type="button" className="button" onClick={onMinimize}>
              Minimize
            </button>
          )}
          {finished && (
            <button type="button" className="button" onClick={onClose}>
              Close
            </button>
          )}
        </>
      }
    >
      <ErrorNote error={actionError} />
      {op ? <OperationView op={op} logs={logs} /> : <p className="muted">Connecting…</p>}
    </Modal>
  );
}
