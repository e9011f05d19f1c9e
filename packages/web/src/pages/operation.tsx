// One clone operation on its own page (linked from the histories), live like the modal.
import { Link, Loading } from '../components/ui.js';
import { OperationView } from '../clone/operation-view.js';
import { useOperation } from '../clone/use-operation.js';

export function OperationPage({ id }: { id: string }) {
  const { op, logs } = useOperation(id);
  return (
    <section>
      <nav className="crumbs">
        <Link to="/">Organizations</Link> / {op ? <Link to={`/environments/${op.source_environment_id}/operations`}>source operations</Link> : '…'} /{' '}
        <span>{id.slice(0, 8)}</span>
      </nav>
      <h1>Clone operation</h1>
      {op ? (
        <div className="card">
          <OperationView op={op} logs={logs} />
        </div>
      ) : (
        <Loading what="the operation" />
      )}
    </section>
  );
}
