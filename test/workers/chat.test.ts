import { describeChat } from '../suites/chat.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeChat(createWorkersHarness);
