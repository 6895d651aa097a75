import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { GenerationEvents } from '../services/generation-events.ts';
import { routePatternOf } from './access-log.ts';
import type { CircuitBreaker, CircuitTarget } from '../services/circuit-breaker.ts';
import { Counter, Gauge, Histogram, LabeledGauge, MetricsRegistry } from './metrics-registry.ts';

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const firstTokenBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/**
 * The metrics API.md names, in one registry per process (per isolate on Workers). Labels are bounded:
 * `route` is Hono's route pattern (`unmatched` for a 404 no route matched), models are the configured
 * provider/model names; no ids, paths or secrets.
 */
export class ApiMetrics {
  readonly registry = new MetricsRegistry();
  private readonly httpRequests = this.registry.register(
    new Counter('http_requests_total', 'HTTP requests answered', ['method', 'route', 'status']),
  );
  private readonly httpDuration = this.registry.register(
    new Histogram(
      'http_request_duration_seconds',
      'Time to the response (a stream: to its headers)',
      ['method', 'route', 'status'],
      durationBuckets,
    ),
  );
  private readonly llmRequests = this.registry.register(
    new Counter('llm_requests_total', 'Generations, by the model that answered and their outcome', [
      'provider',
      'model',
      'outcome',
    ]),
  );
  private readonly llmTokens = this.registry.register(
    new Counter('llm_tokens_total', 'Tokens the upstream reported', ['provider', 'model', 'kind']),
  );
  private readonly firstToken = this.registry.register(
    new Histogram(
      'llm_time_to_first_token_seconds',
      'Time from the call to the first token',
      ['provider', 'model'],
      firstTokenBuckets,
    ),
  );
  private readonly activeStreams = this.registry.register(new Gauge('llm_active_streams', 'Streaming generations in progress'));
  private readonly circuitOpen = this.registry.register(
    new LabeledGauge('llm_circuit_open', "1 while the model's circuit is open or half-open (its calls are skipped), else 0", [
      'provider',
      'model',
    ]),
  );
  private readonly circuitSkipped = this.registry.register(
    new Counter('llm_circuit_skipped_total', 'Calls not made to a model because its circuit was open', ['provider', 'model']),
  );

  /** Counts every answered request by its route pattern. */
  readonly middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const labels = { method: c.req.method, route: routePatternOf(c), status: String(c.res.status) };
      this.httpRequests.inc(labels);
      this.httpDuration.observe(labels, (performance.now() - started) / 1000);
    }
  };

  /** The circuits' state per model, and the calls they skipped. */
  watchCircuits(circuit: CircuitBreaker): void {
    const labels = (target: CircuitTarget) => ({ provider: target.provider.name, model: target.id });
    circuit.subscribe({
      changed: (target, state) => {
        this.circuitOpen.set(labels(target), state === 'closed' ? 0 : 1);
      },
      skipped: (target) => {
        this.circuitSkipped.inc(labels(target));
      },
    });
  }

  subscribe(events: GenerationEvents): void {
    events.onStarted((event) => {
      if (event.streaming) this.activeStreams.inc();
    });
    events.onSettled((event) => {
      if (event.streaming) this.activeStreams.dec();
      const model = { provider: event.provider, model: event.model };
      this.llmRequests.inc({ ...model, outcome: event.outcome });
      if (event.inputTokens !== null) this.llmTokens.inc({ ...model, kind: 'input' }, event.inputTokens);
      if (event.outputTokens !== null) this.llmTokens.inc({ ...model, kind: 'output' }, event.outputTokens);
      if (event.timeToFirstTokenMs !== null) this.firstToken.observe(model, event.timeToFirstTokenMs / 1000);
    });
  }
}
