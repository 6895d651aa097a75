import { describeAuthKeys } from '../suites/auth-keys.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeAuthKeys(createWorkersHarness);
