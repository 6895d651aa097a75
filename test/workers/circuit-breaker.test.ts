import { describeCircuitBreaker } from '../suites/circuit-breaker.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeCircuitBreaker(createWorkersHarness);
