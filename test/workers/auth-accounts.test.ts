import { describeAuthAccounts } from '../suites/auth-accounts.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeAuthAccounts(createWorkersHarness);
