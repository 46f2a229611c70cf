/**
 * A long-lived interactive `virsh -c URI` fed commands on stdin: one connection to libvirtd for many
 * calls, and no process spawn per call. Both matter on a hypervisor: a fresh virsh connects and
 * authenticates each time (20-30 ms on an idle host, over 100 ms beside a busy guest), and a spawn
 * stalls the worker's event loop for as long as the kernel takes to copy its page tables (~25 ms at
 * 450 MiB), which delays every other activity and heartbeat of that worker.
 *
 * A session runs one call at a time, in call order (`VirshSessionPool` keeps a few per host), each
 * framed by markers only this session knows: `echo BEGIN ; cmd ; echo END ; echo --err END`. virsh
 * carries on past a failing command, so a command failed when its stderr has an `error:` line. A call
 * that overruns its timeout kills the session (the next call starts a fresh one); so does a lost
 * connection, and an idle session closes itself.
 */
import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { InputError } from '../errors.js';
import { ConnectionFailedError, HypervisorFailureError, TimedOutError } from './errors.js';
import { quoted } from '../util/printable.js';
import { virshArgumentsProblem } from './virsh-arguments.js';
import { classifyVirshError, sessionErrors } from './virsh-command.js';
import { Serial } from '../util/serial.js';

export interface SessionOutput {
  stdout: string;
  stderr: string;
}

type Subprocess = ResultPromise<{ buffer: false; stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe' }>;

interface Pending {
  begin: string;
  end: string;
  resolve: (out: SessionOutput) => void;
  reject: (err: Error) => void;
}

/** An idle session is closed after this long: a host worker keeps its own busy, nothing else lingers. */
const IDLE_MS = 30_000;

export class VirshSession {
  private readonly serial = new Serial();
  private readonly nonce = randomBytes(6).toString('hex');
  private proc: Subprocess | null = null;
  private stdout = '';
  private stderr = '';
  private pending: Pending | null = null;
  private seq = 0;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly uri: string,
    private readonly host: string,
  ) {}

  /** Runs `commands` (argument arrays) as one line; resolves with what they printed, whatever they said. */
  run(commands: string[][], timeoutMs: number): Promise<SessionOutput> {
    for (const args of commands) {
      const problem = virshArgumentsProblem(args);
      if (problem) return Promise.reject(new InputError(`refused to send virsh ${quoted(args[0] ?? '')} to ${this.host}: ${problem}`));
    }
    return this.serial.run(() => this.exchange(commands.map((args) => args.map(quoteVirshArg).join(' ')).join(' ; '), timeoutMs));
  }

  /** Ends the session (failing a call still running); a later call starts a new one. */
  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const proc = this.proc;
    this.proc = null;
    this.fail(new HypervisorFailureError(`the virsh session to ${this.host} was closed while a call ran`, this.host));
    proc?.kill('SIGKILL');
  }

  private exchange(script: string, timeoutMs: number): Promise<SessionOutput> {
    if (this.idle) clearTimeout(this.idle);
    const proc = this.proc ?? this.start();
    const id = `${this.nonce}-${++this.seq}`;
    const [begin, end] = [`vfmigrate-begin-${id}`, `vfmigrate-end-${id}`];
    // Anything printed between commands (virsh reporting a dropped connection) belongs to none of them.
    this.stderr = '';
    return new Promise<SessionOutput>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TimedOutError(`virsh ${firstWord(script)} on ${this.host} did not finish within ${timeoutMs} ms`, this.host));
        this.close();
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.idle = setTimeout(() => this.close(), IDLE_MS).unref();
      };
      this.pending = {
        begin,
        end,
        resolve: (out) => (settle(), resolve(out)),
        reject: (err) => (settle(), reject(err)),
      };
      // `echo --err` also prints a blank line on stdout: after stdout's end marker, it is outside the frame.
      proc.stdin.write(`echo ${begin} ; ${script} ; echo ${end} ; echo --err ${end}\n`);
    });
  }

  private start(): Subprocess {
    const proc = execa('virsh', ['-c', this.uri], { env: { LC_ALL: 'C' }, buffer: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
    // Its result only matters when virsh could not be started at all (no `exit` then).
    proc.catch((err: unknown) => {
      if (this.proc !== proc) return;
      this.proc = null;
      this.fail(new HypervisorFailureError(`cannot run virsh for ${this.host}: ${(err as { shortMessage?: string }).shortMessage ?? String(err)}`, this.host));
    });
    // A killed session's last words must not reach the one that replaced it.
    const mine = (stream: 'stdout' | 'stderr') => (chunk: string) => void (this.proc === proc && this.onData(stream, chunk));
    proc.stdout.setEncoding('utf8').on('data', mine('stdout'));
    proc.stderr.setEncoding('utf8').on('data', mine('stderr'));
    // A write to a virsh that died fails with EPIPE; the exit handler below already fails the call, with virsh's reason.
    proc.stdin.on('error', () => undefined);
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return;
      this.proc = null;
      // virsh exits by itself when it cannot connect at start: what it said is the reason.
      const said = sessionErrors(this.stderr);
      this.fail(said ? classifyVirshError(said, this.host, `virsh -c ${this.uri}`) : new HypervisorFailureError(`the virsh session to ${this.host} ended (${signal ?? `exit ${code}`})`, this.host));
    });
    // A session never keeps a process alive on its own: a pending call's timer does.
    proc.unref();
    for (const stream of [proc.stdin, proc.stdout, proc.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    [this.proc, this.stdout, this.stderr] = [proc, '', ''];
    return proc;
  }

  private onData(stream: 'stdout' | 'stderr', chunk: string): void {
    this[stream] += chunk;
    const p = this.pending;
    if (!p) return;
    // The markers also appear in virsh's echo of the line, but there each is followed by a space or ends
    // the line AFTER begin's echo: so the first `begin\n` is the marker, and `end\n` after it too.
    const start = this.stdout.indexOf(`${p.begin}\n`);
    const stop = start < 0 ? -1 : this.stdout.indexOf(`${p.end}\n`, start);
    const errStop = this.stderr.indexOf(`${p.end}\n`);
    if (stop < 0 || errStop < 0) return;
    // On stderr the marker comes as `error: END`.
    const errLine = this.stderr.lastIndexOf('\n', errStop) + 1;
    const out = { stdout: this.stdout.slice(start + p.begin.length + 1, stop), stderr: this.stderr.slice(0, errLine) };
    this.stdout = this.stdout.slice(stop + p.end.length + 1);
    this.stderr = this.stderr.slice(errStop + p.end.length + 1);
    this.pending = null;
    p.resolve(out);
    // virsh would try to reconnect by itself; a fresh session is the surer way back.
    const said = sessionErrors(out.stderr);
    if (said && classifyVirshError(said, this.host) instanceof ConnectionFailedError) this.close();
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }
}

/**
 * Double quotes with `\` and `"` escaped: inside them virsh's parser ends a word at nothing but the
 * closing quote. Only safe for what `virshArgumentsProblem` let through (readline edits the line first).
 */
export function quoteVirshArg(arg: string): string {
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function firstWord(script: string): string {
  return script.slice(1, script.indexOf('"', 1));
}
