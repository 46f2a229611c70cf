import type { SessionOutput, VirshSession } from './virsh-session.js';

type Session = Pick<VirshSession, 'run'>;

/**
 * A few virsh sessions to one libvirtd, so that one slow call (an attach QEMU takes its time over, a
 * command waiting for a domain's job lock) never holds up the short calls of every other migration on
 * the host. A call takes an idle session, opens another while there are fewer than `size`, or waits.
 * Sessions close themselves when idle or broken and start again on their next call.
 */
export class VirshSessionPool {
  private readonly idle: Session[] = [];
  private readonly waiting: ((session: Session) => void)[] = [];
  private opened = 0;

  constructor(
    private readonly open: () => Session,
    private readonly size = 4,
  ) {}

  async run(commands: string[][], timeoutMs: number): Promise<SessionOutput> {
    const session = await this.acquire();
    try {
      return await session.run(commands, timeoutMs);
    } finally {
      this.release(session);
    }
  }

  private acquire(): Promise<Session> {
    const session = this.idle.pop();
    if (session) return Promise.resolve(session);
    if (this.opened < this.size) {
      this.opened++;
      return Promise.resolve(this.open());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(session: Session): void {
    const next = this.waiting.shift();
    if (next) next(session);
    else this.idle.push(session);
  }
}
