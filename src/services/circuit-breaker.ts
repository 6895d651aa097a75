import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ResolvedModel } from '../providers/model-registry.ts';

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What /api/health and /api/models show of one model's circuit. */
export interface CircuitView {
  state: CircuitState;
  /** When the cooldown of an open circuit ends and a probe may go (ISO 8601); null while closed. */
  open_until: string | null;
  /** Failures counted within the window since the last success. */
  failures: number;
}

/** What a circuit is kept for: a provider/model (its `id`) of a provider. */
export type CircuitTarget = Pick<ResolvedModel, 'id'> & { provider: Pick<ResolvedModel['provider'], 'name'> };

/** Whether a call may go now; a half-open circuit lets exactly one through, the probe. */
export type CircuitPermit = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

/** How a call went for its model: a failure of the model counts, anything else that did not succeed is neutral. */
export type CallResult = 'success' | 'failure' | 'neutral';

export interface CircuitListener {
  /** A circuit opened (or re-opened after a failed probe), let a probe through, or closed. */
  changed?(target: CircuitTarget, state: CircuitState): void;
  /** A call to the model was skipped because its circuit is open. */
  skipped?(target: CircuitTarget): void;
}

interface Circuit {
  target: CircuitTarget;
  /** Times of the failures within the window, oldest first (at most `failureThreshold`). */
  failures: number[];
  /** Set while open: until then every call is skipped, after it one probe goes. */
  openUntil: number | undefined;
  probing: boolean;
}

export interface CircuitSettings {
  /** Failures within the window that open a circuit; 0 turns circuit breaking off. */
  failureThreshold: number;
  /** How long an open circuit skips its model; also the window the failures are counted in. */
  cooldownMs: number;
}

/** Past this many models, the circuits of closed ones are forgotten first (model names can come from clients). */
const maxTracked = 1_000;
const allowed: CircuitPermit = { allowed: true, probe: false };

/**
 * Circuit breaking per provider/model, for the one retry layer (generation.ts): a model whose calls
 * failed `failureThreshold` times within the cooldown, with no success in between, is skipped for the
 * cooldown (the chain's next model answers at once, with no call to it); then one call is let through
 * as a probe: its success closes the circuit, its failure opens it again for another cooldown. Only
 * failures of the model count (a 5xx, a refused connection, a time limit before or between tokens);
 * a request the model refused (400), a missing model and a client that left do not. State lives in
 * this object, one per app (per process; per isolate on Workers).
 */
export class CircuitBreaker {
  readonly settings: CircuitSettings;
  private readonly circuits = new Map<string, Circuit>();
  private readonly listeners: CircuitListener[] = [];
  private readonly now: () => number;
  private readonly logger: Logger | undefined;

  constructor(settings: CircuitSettings, now: () => number = Date.now, logger?: Logger) {
    this.settings = settings;
    this.now = now;
    this.logger = logger;
  }

  static fromConfig(config: Config, now?: () => number, logger?: Logger): CircuitBreaker {
    return new CircuitBreaker(
      { failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD, cooldownMs: config.CIRCUIT_COOLDOWN_SECONDS * 1000 },
      now,
      logger,
    );
  }

  get enabled(): boolean {
    return this.settings.failureThreshold > 0;
  }

  subscribe(listener: CircuitListener): void {
    this.listeners.push(listener);
  }

  /** Asks to call the model now. A permit that was given must be handed back to `record`. */
  admit(target: CircuitTarget): CircuitPermit {
    const circuit = this.circuits.get(target.id);
    if (circuit?.openUntil === undefined) return allowed;
    const now = this.now();
    if (now >= circuit.openUntil && !circuit.probing) {
      circuit.probing = true;
      this.emit((listener) => listener.changed?.(target, 'half_open'));
      return { allowed: true, probe: true };
    }
    this.emit((listener) => listener.skipped?.(target));
    // While a probe is out, the next one may be a moment away.
    return { allowed: false, retryInMs: Math.max(0, circuit.openUntil - now) };
  }

  /** Whether `admit` would let a call through now (without taking the probe). */
  allows(target: CircuitTarget): boolean {
    const circuit = this.circuits.get(target.id);
    return circuit?.openUntil === undefined || (this.now() >= circuit.openUntil && !circuit.probing);
  }

  /** How a permitted call went. */
  record(target: CircuitTarget, permit: CircuitPermit, result: CallResult): void {
    if (!this.enabled || !permit.allowed) return;
    const circuit = this.circuits.get(target.id);
    if (result === 'success') {
      if (circuit === undefined) return;
      this.circuits.delete(target.id);
      if (circuit.openUntil !== undefined) this.emit((listener) => listener.changed?.(target, 'closed'));
      return;
    }
    if (result === 'neutral') {
      if (permit.probe && circuit) circuit.probing = false;
      return;
    }
    const now = this.now();
    const current = circuit ?? this.track(target);
    const probeFailed = permit.probe && current.probing;
    // Opened meanwhile by another call: its cooldown stands.
    if (current.openUntil !== undefined && !probeFailed) return;
    current.failures = [...current.failures.filter((at) => now - at < this.settings.cooldownMs), now].slice(
      -this.settings.failureThreshold,
    );
    if (probeFailed || current.failures.length >= this.settings.failureThreshold) this.open(current, now);
  }

  /** The circuit of a provider/model (closed with no failures when nothing is known of it). */
  view(id: string): CircuitView {
    const circuit = this.circuits.get(id);
    if (circuit === undefined) return { state: 'closed', open_until: null, failures: 0 };
    const now = this.now();
    const failures = circuit.failures.filter((at) => now - at < this.settings.cooldownMs).length;
    if (circuit.openUntil === undefined) return { state: 'closed', open_until: null, failures };
    return {
      state: now >= circuit.openUntil ? 'half_open' : 'open',
      open_until: new Date(circuit.openUntil).toISOString(),
      failures,
    };
  }

  /** The circuits that are open, half-open or have failures in the window, with their provider. */
  views(): { id: string; provider: string; circuit: CircuitView }[] {
    return [...this.circuits.values()]
      .map(({ target }) => ({ id: target.id, provider: target.provider.name, circuit: this.view(target.id) }))
      .filter(({ circuit }) => circuit.state !== 'closed' || circuit.failures > 0);
  }

  private track(target: CircuitTarget): Circuit {
    if (this.circuits.size >= maxTracked) {
      const forgotten =
        [...this.circuits.values()].find((circuit) => circuit.openUntil === undefined) ?? this.circuits.values().next().value;
      if (forgotten) this.circuits.delete(forgotten.target.id);
    }
    const circuit: Circuit = {
      target: { id: target.id, provider: { name: target.provider.name } },
      failures: [],
      openUntil: undefined,
      probing: false,
    };
    this.circuits.set(target.id, circuit);
    return circuit;
  }

  private open(circuit: Circuit, now: number): void {
    circuit.openUntil = now + this.settings.cooldownMs;
    circuit.probing = false;
    this.logger?.warn('circuit open: calls to the model are skipped', {
      model: circuit.target.id,
      failures: circuit.failures.length,
      cooldown_seconds: this.settings.cooldownMs / 1000,
    });
    this.emit((listener) => listener.changed?.(circuit.target, 'open'));
  }

  private emit(call: (listener: CircuitListener) => void): void {
    for (const listener of this.listeners) call(listener);
  }
}
