import { describeAuthCredentials } from '../suites/auth-credentials.ts';
import { createNodeHarness } from './node-harness.ts';

describeAuthCredentials(createNodeHarness);
