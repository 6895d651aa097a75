import { describeOwnership } from '../suites/ownership.ts';
import { createNodeHarness } from './node-harness.ts';

describeOwnership(createNodeHarness);
