import v8 from 'node:v8';
import vm from 'node:vm';

type Collect = (options: { type: 'minor' | 'major'; execution: 'sync'; flavor?: 'regular' | 'last-resort' }) => void;

/**
 * V8's `gc()` without starting Node with --expose-gc: the flag, set for a moment, gives a new
 * context the function (and is unset at once, so no later context gets it). Undefined where
 * the runtime does not allow it: the callers then leave collection to V8, as before.
 */
function exposedCollector(): Collect | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const collect = vm.runInNewContext('gc') as unknown;
    return typeof collect === 'function' ? (collect as Collect) : undefined;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

let collector: Collect | undefined | null = null;
const collect = (): Collect | undefined => {
  if (collector === null) collector = exposedCollector();
  return collector;
};

/**
 * How many request-body bytes may be read between two collections of the young generation.
 * Node hands over each socket read as a fresh Buffer (up to 64 KiB) whose memory lies outside
 * V8's heap; its small heap object barely fills the young generation, so V8 collects them
 * only once the outside memory has grown by ~64 MB, and then with a full collection that marks
 * the whole heap. A scavenge every 16 MiB frees them while they are young, for ~1 ms of work
 * (what is alive there is small). Measured with 8 MiB parts, 4 in flight: a bare server's
 * peak RSS 156 → 110 MB (full collections 19 → 8 a GiB); the part receiver's 164 → 147 MB,
 * its full collections unchanged (~44 a GiB: most start from its old generation's small
 * allocation limit, not from outside memory) and its CPU within the noise (0–9% more).
 */
const PACE_BYTES = 16 * 1024 * 1024;
let sinceLast = 0;

/** Counts `bytes` of request body just read (and let go); collects the young generation every 16 MiB. */
export function bodyBytesRead(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < PACE_BYTES) return;
  sinceLast = 0;
  collect()?.({ type: 'minor', execution: 'sync' });
}

/**
 * One thorough collection that also gives memory back (the young generation shrunk to its
 * least, the old one compacted). Loading a server grows V8's young generation to its most
 * (32 MB semi-spaces here) and V8 keeps it: once ready, a server process so drops ~40 MB.
 * Takes a few hundred milliseconds: for moments with nothing else to do.
 */
export function settleHeap(): void {
  collect()?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
