import { describeHistory } from '../suites/history.ts';
import { createNodeHarness } from './node-harness.ts';

describeHistory(createNodeHarness);
