import { describeUsage } from '../suites/usage.ts';
import { createNodeHarness } from './node-harness.ts';

describeUsage(createNodeHarness);
