import { describeCircuitBreaker } from '../suites/circuit-breaker.ts';
import { createNodeHarness } from './node-harness.ts';

describeCircuitBreaker(createNodeHarness);
