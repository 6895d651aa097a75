import { describeAuthAccounts } from '../suites/auth-accounts.ts';
import { createNodeHarness } from './node-harness.ts';

describeAuthAccounts(createNodeHarness);
