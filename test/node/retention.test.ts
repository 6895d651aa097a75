import { describeRetention } from '../suites/retention.ts';
import { createNodeHarness } from './node-harness.ts';

describeRetention(createNodeHarness);
