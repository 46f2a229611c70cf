/**
 * The port through which the virsh adapter (`virsh.ts`) reaches virsh, so that its decisions can be
 * tested against scripted output. `virshConnection` is the only implementation that reaches libvirt:
 * its session and its process both refuse, before anything runs, what `virsh-arguments.ts` refuses.
 */
import { runVirsh } from './virsh-command.js';
import { VirshSessionPool } from './virsh-session-pool.js';
import { VirshSession, type SessionOutput } from './virsh-session.js';

export interface VirshRunner {
  /** `commands` as one session line: what they printed, whatever they said (errors are `error:` lines on stderr). */
  run(commands: string[][], timeoutMs: number): Promise<SessionOutput>;
  /** One command as a virsh process of its own (`virsh migrate`): its stdout, or its error classified. */
  runProcess(args: string[], timeoutMs: number): Promise<string>;
}

export interface VirshEndpoint {
  uri: string;
  /** The host name errors report. */
  host: string;
}

/** A runner to `to`, keeping up to `sessions` sessions open. */
export type ConnectVirsh = (to: VirshEndpoint, sessions: number) => VirshRunner;

/** virsh itself: a pool of long-lived sessions for short calls, a process of its own for each long one. */
export const virshConnection: ConnectVirsh = (to, sessions) => {
  const pool = new VirshSessionPool(() => new VirshSession(to.uri, to.host), sessions);
  return {
    run: (commands, timeoutMs) => pool.run(commands, timeoutMs),
    runProcess: (args, timeoutMs) => runVirsh(to.uri, args, { host: to.host, timeoutMs }),
  };
};
