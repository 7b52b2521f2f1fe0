// Warm build containers: started ahead of the builds that will take them, so a build does not
// wait for a container to be created and started, node to boot and the renderer to load and
// compile (together ~0.5 s on our 2-core hosts — most of a one-page build).
//
// Isolation is the same as without the pool: a container serves at most one build and is then
// removed; it is started on an empty work folder of its own, the build writes its input there
// only after taking it, and until then no tenant's data has been near it. A container's limits
// are fixed when it is created, so the pool keeps containers per limits profile (one per plan)
// and a build takes only one made with exactly its plan's limits. The pool holds at most `size`
// containers in all; when it is full, a profile in demand evicts the one demanded least recently.
// It refills in the background, one container at a time, once the build that took a container
// has ended (decision 151: a container starting takes the host's CPUs from the build).
import type Docker from 'dockerode';
import { limitsProfile, startBuildContainer, type BuildContainer } from './build-container.ts';
import type { RenderLimits, WarmPoolStatus } from './types.ts';

type Profile = Pick<RenderLimits, 'memoryMb' | 'cpus' | 'pids'>;


export class WarmContainerPool {
  private readonly idle: BuildContainer[] = [];
  private readonly demandedAt = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private starting = 0;
  private closed = false;
  private readonly discarded = new Set<Promise<void>>();
  private lastError: string | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly opts: { image: string; size: number },
  ) {}

  get size(): number {
    return this.opts.size;
  }

  /** Starts containers for these profiles (most wanted first) until the pool is full. */
  prime(profiles: Profile[]): void {
    if (this.opts.size <= 0 || profiles.length === 0) return;
    for (let n = 0; n < this.opts.size; n++) this.refill(profiles[n % profiles.length]!, { evict: false });
  }

  /**
   * A warm container made with exactly these limits, taken out of the pool (its own from now
   * on), or null when there is none; either way the pool starts another for these limits once
   * `refillAfter` resolves (the taking build's end: starting a container and warming its
   * renderer takes the host's CPUs for a good half second, which the build needs itself).
   */
  take(limits: Profile, refillAfter: Promise<unknown> = Promise.resolve()): BuildContainer | null {
    const profile = limitsProfile(limits);
    this.demandedAt.set(profile, Date.now());
    let taken: BuildContainer | null = null;
    // Ready ones first (loaded and compiled); one still warming up beats a cold start.
    for (const wantReady of [true, false]) {
      const index = this.idle.findIndex((c) => c.profile === profile && c.running && c.ready === wantReady);
      if (index >= 0) {
        [taken] = this.idle.splice(index, 1);
        break;
      }
    }
    const refill = () => this.refill(limits, { evict: true });
    void refillAfter.then(refill, refill);
    return taken;
  }

  status(): WarmPoolStatus {
    return {
      size: this.opts.size,
      idle: this.idle.map((c) => ({ profile: c.profile, ready: c.ready, id: c.id })),
      starting: this.starting,
    };
  }

  /** Stops refilling, waits for containers being started, and removes every idle one. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((c) => c.remove()));
    await Promise.all([...this.discarded]);
  }

  private refill(limits: Profile, { evict }: { evict: boolean }): void {
    if (this.opts.size <= 0 || this.closed) return;
    const profile = limitsProfile(limits);
    this.starting += 1;
    this.queue = this.queue.then(async () => {
      try {
        if (this.closed) return;
        if (this.idle.length + 1 > this.opts.size) {
          if (!evict) return;
          // Full: give the place of the container whose profile was wanted least recently,
          // unless that is this very profile (then the pool already holds what is wanted).
          const victim = [...this.idle].sort((a, b) => (this.demandedAt.get(a.profile) ?? 0) - (this.demandedAt.get(b.profile) ?? 0))[0];
          if (!victim || victim.profile === profile) return;
          this.idle.splice(this.idle.indexOf(victim), 1);
          this.discard(victim);
        }
        const container = await startBuildContainer(this.docker, { image: this.opts.image, limits, warmUp: true });
        if (this.closed) {
          this.discard(container);
          return;
        }
        this.idle.push(container);
        this.lastError = null;
        // One that dies while idle (its engine restarted, it ran out of memory warming up) is
        // dropped, not replaced: the next take of its profile tries again, so a profile that
        // cannot start does not spin.
        void container.exited.then(() => {
          const index = this.idle.indexOf(container);
          if (index >= 0) {
            this.idle.splice(index, 1);
            this.discard(container);
          }
        });
      } catch (error) {
        // Builds still run (in a container of their own); say once why the pool is empty.
        const message = (error as Error).message;
        if (message !== this.lastError) console.error(`[worker] could not start a warm build container (${profile}): ${message}`);
        this.lastError = message;
      } finally {
        this.starting -= 1;
      }
    });
  }

  private discard(container: BuildContainer): void {
    const removal = container.remove().finally(() => this.discarded.delete(removal));
    this.discarded.add(removal);
  }
}
