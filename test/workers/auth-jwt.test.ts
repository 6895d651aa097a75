import { describeAuthJwt } from '../suites/auth-jwt.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeAuthJwt(createWorkersHarness);
