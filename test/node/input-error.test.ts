import { describeInputErrors } from '../suites/input-error.ts';
import { createNodeHarness } from './node-harness.ts';

describeInputErrors(createNodeHarness);
