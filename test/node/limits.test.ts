import { describeLimits } from '../suites/limits.ts';
import { createNodeHarness } from './node-harness.ts';

describeLimits(createNodeHarness);
