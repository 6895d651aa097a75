import { describeStreamEarlyStart } from '../suites/stream-early-start.ts';
import { createNodeHarness } from './node-harness.ts';

describeStreamEarlyStart(createNodeHarness);
