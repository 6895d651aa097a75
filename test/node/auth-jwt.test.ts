import { describeAuthJwt } from '../suites/auth-jwt.ts';
import { createNodeHarness } from './node-harness.ts';

describeAuthJwt(createNodeHarness);
