import { type Asset, type AssetdClient, UploadFailedError, type UploadOptions } from '@assetd/sdk';
import { describe, expect, it } from 'vitest';
import { totals, UploadQueue } from './upload-queue.ts';

/** A client whose uploads send half their bytes, then wait for `finish` or their signal. */
function fakeClient() {
  const calls: UploadOptions[] = [];
  const aborted: string[] = [];
  const pending: Array<{ finish: (outcome: Asset | Error) => void }> = [];
  const client = {
    upload(file: File, options: UploadOptions) {
      calls.push(options);
      return new Promise<Asset>((resolve, reject) => {
        options.onUploadCreated?.({ id: options.resumeUploadId ?? `upload_${calls.length}` } as never);
        options.onProgress?.({ uploadId: 'u', phase: 'sending', loaded: file.size / 2, total: file.size });
        options.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        pending.push({ finish: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)) });
      });
    },
    uploads: {
      abort: async (id: string) => {
        aborted.push(id);
      },
    },
  } as unknown as AssetdClient;
  return { client, calls, aborted, pending };
}

const file = (name: string, size: number) => ({ file: new File([new Uint8Array(size)], name), path: name });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the upload queue', () => {
  it('pauses keeping the server upload, resumes it, and reports the import', async () => {
    const fake = fakeClient();
    const imported: string[] = [];
    const queue = new UploadQueue(fake.client, (asset) => imported.push(asset.id));
    queue.add([file('a.wav', 100)]);
    const [item] = queue.snapshot();
    expect(item).toMatchObject({ state: 'sending', loaded: 50, uploadId: 'upload_1' });
    queue.pause(item?.id ?? '');
    await tick();
    expect(queue.snapshot()[0]).toMatchObject({ state: 'paused', uploadId: 'upload_1' });
    expect(fake.calls[0]).toMatchObject({ keepOnAbort: true });
    expect(fake.aborted).toEqual([]);
    queue.resume(item?.id ?? '');
    expect(fake.calls[1]).toMatchObject({ resumeUploadId: 'upload_1' });
    fake.pending[1]?.finish({ id: 'asset_1' } as Asset);
    await tick();
    expect(queue.snapshot()[0]).toMatchObject({ state: 'imported', assetId: 'asset_1', loaded: 100 });
    expect(imported).toEqual(['asset_1']);
  });

  it("cancels by abandoning the server's upload; a refused file shows the server's message; totals leave both out", async () => {
    const fake = fakeClient();
    const queue = new UploadQueue(fake.client, () => {});
    queue.add([file('a.wav', 100), file('b.png', 10), file('c.glb', 1000)]);
    const [a, b] = queue.snapshot();
    queue.cancel(a?.id ?? '');
    await tick();
    expect(queue.snapshot()[0]?.state).toBe('canceled');
    expect(fake.aborted).toEqual(['upload_1']);
    fake.pending[1]?.finish(new UploadFailedError({ id: 'upload_2', status: 'failed', errorMessage: 'Unhandled image format' }));
    await tick();
    expect(queue.snapshot()[1]).toMatchObject({ state: 'failed', error: 'Unhandled image format' });
    expect(totals(queue.snapshot())).toMatchObject({ total: 1000, loaded: 500 });
    queue.retry(b?.id ?? '');
    expect(queue.snapshot()[1]).toMatchObject({ state: 'sending', error: undefined });
    expect(fake.calls[3]?.resumeUploadId).toBeUndefined();
  });

  it('cancels every unfinished upload when disposed (sign out, project switch)', async () => {
    const fake = fakeClient();
    const queue = new UploadQueue(fake.client, () => {});
    queue.add([file('a', 2), file('b', 2)]);
    queue.pause(queue.snapshot()[1]?.id ?? '');
    await tick();
    queue.dispose();
    await tick();
    expect(queue.snapshot().map((item) => item.state)).toEqual(['canceled', 'canceled']);
    expect(fake.aborted.sort()).toEqual(['upload_1', 'upload_2']);
  });

  it('sends three files at a time and starts the next when one ends', async () => {
    const fake = fakeClient();
    const queue = new UploadQueue(fake.client, () => {});
    queue.add([file('1', 2), file('2', 2), file('3', 2), file('4', 2)]);
    expect(queue.snapshot().map((item) => item.state)).toEqual(['sending', 'sending', 'sending', 'queued']);
    fake.pending[0]?.finish({ id: 'asset_1' } as Asset);
    await tick();
    expect(queue.snapshot().map((item) => item.state)).toEqual(['imported', 'sending', 'sending', 'sending']);
  });
});
