import { Worker } from 'node:worker_threads';

/** What the thread is asked (ids are chosen here, so creating and copying a state need no answer). */
export type ThreadRequest =
  | { readonly op: 'create'; readonly id: number }
  | { readonly op: 'copy'; readonly id: number; readonly from: number }
  | { readonly op: 'free'; readonly id: number }
  | {
      readonly op: 'update';
      readonly id: number;
      readonly reply: number;
      readonly file: string;
      readonly position: number;
      readonly size: number;
    }
  | { readonly op: 'digest'; readonly id: number; readonly reply: number };

export type ThreadReply = { readonly reply: number; readonly digest?: string; readonly error?: string };

/** How long the thread is kept with no hash state left, before it is ended (it costs a few MB). */
const IDLE_MS = 30_000;

interface Waiting {
  resolve(reply: ThreadReply): void;
  reject(error: Error): void;
}

/** One running worker and what it owes. */
interface Running {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiting>;
}

/**
 * SHA-256 states that live in a worker thread, advanced over byte ranges of files the thread
 * reads itself: hashing a part costs the receiving thread one message, not ~2 ms of CPU per
 * MiB on the event loop that also reads the sockets. The thread starts with the first state
 * and ends once none has been left for a while.
 *
 * The thread handles requests in the order they are posted, so a state's operations happen in
 * the order they are called, whether or not their answers are awaited. If the thread dies, what
 * it owes fails and every state it held is gone: their later uses fail too (the caller then
 * hashes another way), and the next new state starts a new thread.
 */
export class Sha256Thread {
  #running: Running | undefined;
  #nextId = 1;
  #nextReply = 1;
  /** States not yet freed, per thread: the thread is ended only when none is left. */
  #states = 0;
  #idle: NodeJS.Timeout | undefined;

  /** A fresh SHA-256 state. */
  create(): RemoteHash {
    const running = this.#thread();
    const id = this.#nextId++;
    this.#states++;
    running.worker.postMessage({ op: 'create', id } satisfies ThreadRequest);
    return new RemoteHash(this, running, id);
  }

  /** A copy of `from`'s state, as it will be once the requests posted before this one are done. */
  copy(from: RemoteHash, running: Running): RemoteHash {
    const id = this.#nextId++;
    if (this.#running === running) {
      this.#states++;
      running.worker.postMessage({ op: 'copy', id, from: from.id } satisfies ThreadRequest);
    }
    return new RemoteHash(this, running, id);
  }

  free(running: Running, id: number): void {
    if (this.#running !== running) return;
    running.worker.postMessage({ op: 'free', id } satisfies ThreadRequest);
    this.#states--;
    if (this.#states === 0 && running.waiting.size === 0) this.#endWhenIdle(running);
  }

  /** Posts a request that is answered, on the thread that holds the state. */
  ask(running: Running, request: (reply: number) => ThreadRequest): Promise<ThreadReply> {
    if (this.#running !== running) return Promise.reject(new Error('the SHA-256 thread that held this state has ended'));
    const reply = this.#nextReply++;
    return new Promise<ThreadReply>((resolve, reject) => {
      running.waiting.set(reply, { resolve, reject });
      running.worker.postMessage(request(reply));
    }).then((answer) => {
      if (answer.error !== undefined) throw new Error(answer.error);
      return answer;
    });
  }

  /** Ends the thread now (what it owes fails). */
  async close(): Promise<void> {
    const running = this.#running;
    if (running) await this.#end(running, new Error('the SHA-256 thread was closed'));
  }

  #thread(): Running {
    clearTimeout(this.#idle);
    this.#idle = undefined;
    if (this.#running) return this.#running;
    const worker = new Worker(new URL('./sha256-thread-main.js', import.meta.url), {
      // It holds a few hash states and one buffer outside its heap: a small heap is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    // A server keeps running for other reasons; this thread alone must not keep a process up.
    worker.unref();
    const running: Running = { worker, waiting: new Map() };
    worker.on('message', (answer: ThreadReply) => {
      const waiting = running.waiting.get(answer.reply);
      running.waiting.delete(answer.reply);
      waiting?.resolve(answer);
      if (this.#states === 0 && running.waiting.size === 0 && this.#running === running) this.#endWhenIdle(running);
    });
    worker.on('error', (error) => void this.#end(running, error));
    worker.on('exit', (code) => void this.#end(running, new Error(`the SHA-256 thread exited with code ${code}`)));
    this.#running = running;
    this.#states = 0;
    return running;
  }

  #endWhenIdle(running: Running): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#running === running && this.#states === 0 && running.waiting.size === 0) void this.#end(running);
    }, IDLE_MS);
    this.#idle.unref();
  }

  async #end(running: Running, error?: Error): Promise<void> {
    if (this.#running === running) {
      this.#running = undefined;
      this.#states = 0;
      clearTimeout(this.#idle);
      this.#idle = undefined;
    }
    const owed = [...running.waiting.values()];
    running.waiting.clear();
    for (const waiting of owed) waiting.reject(error ?? new Error('the SHA-256 thread ended'));
    await running.worker.terminate();
  }
}

/** One SHA-256 state in the thread. Its operations apply in the order they are called. */
export class RemoteHash {
  readonly #thread: Sha256Thread;
  readonly #running: Running;
  readonly id: number;
  #freed = false;

  constructor(thread: Sha256Thread, running: Running, id: number) {
    this.#thread = thread;
    this.#running = running;
    this.id = id;
  }

  /** Another state, equal to this one once the operations called before are done. */
  copy(): RemoteHash {
    return this.#thread.copy(this, this.#running);
  }

  /** Adds `size` bytes of `file` from `position`, read by the thread. A state whose update failed is gone. */
  async update(file: string, position: number, size: number): Promise<void> {
    await this.#thread.ask(this.#running, (reply) => ({ op: 'update', id: this.id, reply, file, position, size }));
  }

  /** The digest of the bytes so far, as hex; the state can still be advanced. */
  async digest(): Promise<string> {
    const answer = await this.#thread.ask(this.#running, (reply) => ({ op: 'digest', id: this.id, reply }));
    return answer.digest as string;
  }

  /** Forgets the state (once: a second call does nothing). */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#thread.free(this.#running, this.id);
  }
}
