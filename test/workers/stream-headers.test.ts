import { describeStreamHeaders } from '../suites/stream-headers.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeStreamHeaders(createWorkersHarness);
