import { describeSmoke } from '../suites/smoke.ts';
import { createNodeHarness } from './node-harness.ts';

describeSmoke(createNodeHarness);
