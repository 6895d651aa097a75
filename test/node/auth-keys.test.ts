import { describeAuthKeys } from '../suites/auth-keys.ts';
import { createNodeHarness } from './node-harness.ts';

describeAuthKeys(createNodeHarness);
