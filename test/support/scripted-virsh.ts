import { classifyVirshError } from '../../src/hypervisor/virsh-command.js';
import type { ConnectVirsh } from '../../src/hypervisor/virsh-runner.js';

/** What one virsh command printed. */
export interface Reply {
  stdout?: string;
  stderr?: string;
}

/** Answers one command sent to `host`; a promise lets a test decide when a long command (migrate) ends. */
export type Script = (host: string, args: string[]) => Reply | Promise<Reply>;

export interface VirshCall {
  host: string;
  args: string[];
  /** Run as a process of its own (virsh migrate), not in a session. */
  process: boolean;
}

/**
 * virsh as a test scripts it, for the virsh adapter: a session line concatenates what its commands
 * printed, as virsh does; a process that printed an error fails with it classified, as runVirsh does.
 * Records every command, so a test can assert what the adapter asked and in which order.
 */
export class ScriptedVirsh {
  readonly calls: VirshCall[] = [];

  constructor(private readonly script: Script) {}

  readonly connect: ConnectVirsh = (to) => ({
    run: async (commands) => {
      let [stdout, stderr] = ['', ''];
      for (const args of commands) {
        this.calls.push({ host: to.host, args, process: false });
        const reply = await this.script(to.host, args);
        stdout += reply.stdout ?? '';
        stderr += reply.stderr ?? '';
      }
      return { stdout, stderr };
    },
    runProcess: async (args) => {
      this.calls.push({ host: to.host, args, process: true });
      const reply = await this.script(to.host, args);
      if (reply.stderr) throw classifyVirshError(reply.stderr, to.host, `virsh ${args.join(' ')}`);
      return reply.stdout ?? '';
    },
  });

  /** Every call as `host: command args`, in order; `only` keeps the commands named. */
  trail(only?: string[]): string[] {
    return this.calls.filter((c) => !only || only.includes(c.args[0] ?? '')).map((c) => `${c.host}: ${c.args.join(' ')}`);
  }
}

/** A promise the test settles. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
