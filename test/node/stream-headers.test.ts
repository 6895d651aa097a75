import { describeStreamHeaders } from '../suites/stream-headers.ts';
import { createNodeHarness } from './node-harness.ts';

describeStreamHeaders(createNodeHarness);
