import { spawn } from 'node:child_process';
import { constants, mkdir, open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LedgerLockedError, LedgerLockFailedError, type LockHolder } from './errors.js';

/** flock(1)'s exit status when another holds the lock: distinct from its own failures (1, 64, 66…). */
const heldStatus = 75;

const holderSchema = z.object({ pid: z.int(), hostname: z.string(), since: z.string() });

/**
 * An exclusive lock on a host's VF ledger, across processes: one writer per host.
 *
 * flock(2), taken by util-linux's flock(1) on a descriptor this process opened and lends it (Node has
 * no flock binding, and no npm package is needed for this): the lock belongs to the open file, which
 * stays with this process after flock(1) exits, and the kernel drops it when this process dies, however
 * it dies. So there is never a stale lock to judge: a pid-in-a-file lock has to guess whether its pid
 * is dead (or reused), and two processes taking over the same stale file can both think they won.
 * The file only says who holds it, for the refusal message. It is never deleted: a process could then
 * lock the deleted file while another locks its replacement.
 */
export class LedgerLock {
  private constructor(
    readonly file: string,
    private handle: FileHandle | null,
  ) {}

  /** Takes the lock or throws LedgerLockedError naming the holder; never waits. */
  static async acquire(file: string): Promise<LedgerLock> {
    let handle: FileHandle;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      handle = await open(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    } catch (err) {
      throw new LedgerLockFailedError(`cannot open the VF ledger lock ${file}: ${(err as Error).message}`);
    }
    try {
      const status = await flock(handle.fd, file);
      if (status === heldStatus) throw new LedgerLockedError(file, await readHolder(handle));
      const holder: LockHolder = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() };
      await handle.truncate(0);
      await handle.write(`${JSON.stringify(holder)}\n`, 0);
      await handle.sync();
      return new LedgerLock(file, handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async release(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = null;
    try {
      // Nobody should read our pid in a lock we no longer hold.
      await handle.truncate(0);
    } finally {
      await handle.close();
    }
  }
}

function flock(fd: number, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(heldStatus), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new LedgerLockFailedError(`cannot lock ${file}: ${missing ? 'flock(1) is not installed (it comes with util-linux)' : err.message}`));
    });
    child.on('close', (code, signal) => {
      if (code === 0 || code === heldStatus) resolve(code);
      else reject(new LedgerLockFailedError(`cannot lock ${file}: flock(1) ${signal ? `died of ${signal}` : `exited ${code}`}: ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
}

/** The holder's details; null while it has not written them yet (it locks first, then writes). */
async function readHolder(handle: FileHandle): Promise<LockHolder | null> {
  const buf = Buffer.alloc(4096);
  const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
  try {
    const parsed = holderSchema.safeParse(JSON.parse(buf.subarray(0, bytesRead).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
