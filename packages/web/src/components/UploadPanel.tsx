import { useState } from 'react';
import { formatBytes, formatDuration } from '../format.ts';
import { totals, type UploadItem, type UploadQueue } from '../uploads/upload-queue.ts';

const LABELS: Record<UploadItem['state'], string> = {
  queued: 'Queued',
  sending: 'Sending',
  processing: 'Validating',
  paused: 'Paused',
  waiting: 'Waiting for the server',
  imported: 'Imported',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** One row per file: its bytes, speed, time left and status, with pause, resume, cancel and retry. */
export function UploadPanel(props: { queue: UploadQueue; items: readonly UploadItem[] }) {
  const { queue, items } = props;
  const [collapsed, setCollapsed] = useState(false);
  if (items.length === 0) return null;
  const sum = totals(items);
  const done = items.filter((item) => item.state === 'imported').length;
  const failed = items.filter((item) => item.state === 'failed').length;
  const busy = items.some((item) => ['queued', 'sending', 'processing', 'waiting'].includes(item.state));
  return (
    <section className="uploads" aria-label="Uploads">
      <header>
        <strong>
          Uploads: {done} of {items.length} imported{failed > 0 ? `, ${failed} failed` : ''}
        </strong>
        <button type="button" className="link" aria-expanded={!collapsed} onClick={() => setCollapsed(!collapsed)}>
          {collapsed ? 'Show' : 'Hide'}
        </button>
      </header>
      <progress className="total" max={sum.total || 1} value={sum.loaded} aria-label="All uploads" />
      <p className="muted small" aria-live="polite">
        {formatBytes(sum.loaded)} of {formatBytes(sum.total)}
        {sum.speed > 0 ? ` · ${formatBytes(sum.speed)}/s · ${formatDuration(sum.eta)} left` : ''}
      </p>
      <div className="actions">
        {busy && (
          <button type="button" onClick={queue.pauseAll}>
            Pause all
          </button>
        )}
        {items.some((item) => item.state === 'paused') && (
          <button type="button" onClick={queue.resumeAll}>
            Resume all
          </button>
        )}
        {busy && (
          <button type="button" onClick={queue.cancelAll}>
            Cancel all
          </button>
        )}
        {failed > 0 && (
          <button type="button" onClick={queue.retryFailed}>
            Retry failed
          </button>
        )}
        {!busy && (
          <button type="button" onClick={queue.clearFinished}>
            Clear
          </button>
        )}
      </div>
      {!collapsed && (
        <ul className="upload-rows">
          {items.map((item) => (
            <li key={item.id} className={`upload-row state-${item.state}`} data-upload-name={item.name}>
              <div className="upload-name" title={item.name}>
                {item.name}
              </div>
              <progress max={item.total || 1} value={item.loaded} aria-label={`Progress of ${item.name}`} />
              <div className="upload-meta small">
                <span className="upload-status">
                  {item.state === 'processing' && item.serverStatus ? `${LABELS.processing} (${item.serverStatus})` : LABELS[item.state]}
                </span>
                <span>
                  {formatBytes(item.loaded)} / {formatBytes(item.total)}
                </span>
                {item.state === 'sending' && item.speed > 0 && (
                  <span>
                    {formatBytes(item.speed)}/s · {formatDuration((item.total - item.loaded) / item.speed)} left
                  </span>
                )}
              </div>
              {item.error && <div className="error small">{item.error}</div>}
              <div className="row-actions">
                {(item.state === 'sending' || item.state === 'queued' || item.state === 'waiting') && (
                  <button type="button" onClick={() => queue.pause(item.id)} aria-label={`Pause ${item.name}`}>
                    Pause
                  </button>
                )}
                {item.state === 'paused' && (
                  <button type="button" onClick={() => queue.resume(item.id)} aria-label={`Resume ${item.name}`}>
                    Resume
                  </button>
                )}
                {!['imported', 'failed', 'canceled'].includes(item.state) && (
                  <button type="button" onClick={() => queue.cancel(item.id)} aria-label={`Cancel ${item.name}`}>
                    Cancel
                  </button>
                )}
                {(item.state === 'failed' || item.state === 'canceled') && (
                  <button type="button" onClick={() => queue.retry(item.id)} aria-label={`Retry ${item.name}`}>
                    Retry
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
