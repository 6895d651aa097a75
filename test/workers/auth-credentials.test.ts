import { describeAuthCredentials } from '../suites/auth-credentials.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeAuthCredentials(createWorkersHarness);
