// @ts-check
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** @typedef {import('node:crypto').Hash} Hash */
/** @typedef {import('./sha256-thread.ts').ThreadRequest} ThreadRequest */
/** @typedef {import('./sha256-thread.ts').ThreadReply} ThreadReply */

/**
 * The SHA-256 thread's body (see `sha256-thread.ts`): hash states by id, advanced over byte
 * ranges of files it reads itself. Requests are handled one at a time in the order they were
 * posted, and reads are synchronous: this thread does nothing else, and a read from the page
 * cache then costs one copy, with no hop through libuv's pool.
 *
 * JavaScript, not TypeScript, unlike the rest: a thread that loads a .ts file loads Node's type
 * stripper too (its WebAssembly), ~17 MB more resident memory for a few dozen lines.
 */
const READ_BUFFER = 1024 * 1024;
/** @type {Map<number, Hash>} */
const states = new Map();
const buffer = Buffer.allocUnsafeSlow(READ_BUFFER);

/** @param {number} id @returns {Hash} */
function stateOf(id) {
  const hash = states.get(id);
  if (!hash) throw new Error(`no hash state ${id}`);
  return hash;
}

/** @param {Hash} hash @param {string} file @param {number} position @param {number} size */
function hashRange(hash, file, position, size) {
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, size - done), position + done);
      if (bytesRead === 0) throw new Error(`${file} ended ${size - done} bytes early`);
      hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}

/** @param {ThreadRequest} request @returns {ThreadReply | undefined} */
function handle(request) {
  switch (request.op) {
    case 'create':
      states.set(request.id, createHash('sha256'));
      return undefined;
    case 'copy': {
      // From a state that failed or was freed: the copy is missing too, and its first use says so.
      const from = states.get(request.from);
      if (from) states.set(request.id, from.copy());
      return undefined;
    }
    case 'free':
      states.delete(request.id);
      return undefined;
    case 'update':
      try {
        hashRange(stateOf(request.id), request.file, request.position, request.size);
        return { reply: request.reply };
      } catch (error) {
        // A state that saw part of a range is wrong: it is dropped, so no later use trusts it.
        states.delete(request.id);
        return { reply: request.reply, error: error instanceof Error ? error.message : String(error) };
      }
    case 'digest':
      try {
        return { reply: request.reply, digest: stateOf(request.id).copy().digest('hex') };
      } catch (error) {
        return { reply: request.reply, error: error instanceof Error ? error.message : String(error) };
      }
  }
}

parentPort?.on('message', (/** @type {ThreadRequest} */ request) => {
  const reply = handle(request);
  if (reply) parentPort?.postMessage(reply);
});
