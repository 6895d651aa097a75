/** The circuit of one provider/model on its own, with a clock the test moves. */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitPermit, type CircuitState, type CircuitTarget } from '../../src/services/circuit-breaker.ts';

const model: CircuitTarget = { id: 'ollama/llama3.2', provider: { name: 'ollama' } };
const other: CircuitTarget = { id: 'ollama/llama3.2:1b', provider: { name: 'ollama' } };

function breaker(failureThreshold = 3, cooldownMs = 1_000) {
  const clock = { now: 10_000 };
  const circuit = new CircuitBreaker({ failureThreshold, cooldownMs }, () => clock.now);
  const changes: [string, CircuitState][] = [];
  const skipped: string[] = [];
  circuit.subscribe({
    changed: (target, state) => changes.push([target.id, state]),
    skipped: (target) => skipped.push(target.id),
  });
  /** One call through the circuit that ends as `result`; the permit it got. */
  const call = (target: CircuitTarget, result: 'success' | 'failure' | 'neutral'): CircuitPermit => {
    const permit = circuit.admit(target);
    circuit.record(target, permit, result);
    return permit;
  };
  return { circuit, clock, changes, skipped, call };
}

describe('the circuit breaker', () => {
  it('opens after the threshold of failures and then skips the model for the cooldown', () => {
    const { circuit, clock, changes, skipped, call } = breaker(3, 1_000);
    call(model, 'failure');
    call(model, 'failure');
    expect(circuit.view(model.id)).toEqual({ state: 'closed', open_until: null, failures: 2 });
    expect(call(model, 'failure')).toEqual({ allowed: true, probe: false });
    expect(circuit.view(model.id)).toEqual({ state: 'open', open_until: new Date(11_000).toISOString(), failures: 3 });
    clock.now += 400;
    expect(circuit.admit(model)).toEqual({ allowed: false, retryInMs: 600 });
    expect(circuit.allows(model)).toBe(false);
    expect(circuit.admit(other)).toEqual({ allowed: true, probe: false });
    expect(changes).toEqual([[model.id, 'open']]);
    expect(skipped).toEqual([model.id]);
  });

  it('counts only failures within the window, and a success starts the count again', () => {
    const { circuit, clock, call } = breaker(2, 1_000);
    call(model, 'failure');
    clock.now += 1_000;
    call(model, 'failure');
    expect(circuit.view(model.id).state).toBe('closed');
    call(model, 'success');
    call(model, 'failure');
    expect(circuit.view(model.id)).toMatchObject({ state: 'closed', failures: 1 });
    call(model, 'failure');
    expect(circuit.view(model.id).state).toBe('open');
  });

  it('does not count neutral outcomes (a refused request, a client that left)', () => {
    const { circuit, call } = breaker(1);
    for (let index = 0; index < 5; index += 1) call(model, 'neutral');
    expect(circuit.view(model.id)).toEqual({ state: 'closed', open_until: null, failures: 0 });
    expect(circuit.views()).toEqual([]);
  });

  it('lets exactly one probe through after the cooldown: its success closes the circuit', () => {
    const { circuit, clock, changes, call } = breaker(1, 1_000);
    call(model, 'failure');
    clock.now += 1_000;
    expect(circuit.view(model.id).state).toBe('half_open');
    const probe = circuit.admit(model);
    expect(probe).toEqual({ allowed: true, probe: true });
    // While the probe is out, other calls are still skipped.
    expect(circuit.admit(model).allowed).toBe(false);
    circuit.record(model, probe, 'success');
    expect(circuit.view(model.id)).toEqual({ state: 'closed', open_until: null, failures: 0 });
    expect(circuit.admit(model)).toEqual({ allowed: true, probe: false });
    expect(changes).toEqual([
      [model.id, 'open'],
      [model.id, 'half_open'],
      [model.id, 'closed'],
    ]);
  });

  it('opens again for a whole cooldown when the probe fails', () => {
    const { circuit, clock, call } = breaker(2, 1_000);
    call(model, 'failure');
    call(model, 'failure');
    clock.now += 1_500;
    expect(call(model, 'failure')).toEqual({ allowed: true, probe: true });
    expect(circuit.view(model.id)).toMatchObject({ state: 'open', open_until: new Date(12_500).toISOString() });
    clock.now += 999;
    expect(circuit.admit(model).allowed).toBe(false);
  });

  it('frees the probe when it ended neutral, so the next call probes', () => {
    const { circuit, clock, call } = breaker(1, 1_000);
    call(model, 'failure');
    clock.now += 1_000;
    expect(call(model, 'neutral')).toEqual({ allowed: true, probe: true });
    expect(circuit.view(model.id).state).toBe('half_open');
    expect(call(model, 'success')).toEqual({ allowed: true, probe: true });
    expect(circuit.view(model.id).state).toBe('closed');
  });

  it('does nothing while off (threshold 0)', () => {
    const { circuit, call } = breaker(0);
    for (let index = 0; index < 10; index += 1) expect(call(model, 'failure')).toEqual({ allowed: true, probe: false });
    expect(circuit.enabled).toBe(false);
    expect(circuit.views()).toEqual([]);
  });

  it('lists the circuits with failures or not closed, with their provider', () => {
    const { circuit, call } = breaker(2);
    call(model, 'failure');
    call(model, 'failure');
    call(other, 'failure');
    expect(circuit.views()).toEqual([
      { id: model.id, provider: 'ollama', circuit: { state: 'open', open_until: expect.any(String), failures: 2 } },
      { id: other.id, provider: 'ollama', circuit: { state: 'closed', open_until: null, failures: 1 } },
    ]);
  });
});
