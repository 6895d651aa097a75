import { describeSettledEvent } from '../suites/settled-event.ts';
import { createNodeHarness } from './node-harness.ts';

describeSettledEvent(createNodeHarness);
