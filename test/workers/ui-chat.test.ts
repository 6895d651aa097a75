import { describeUiChat } from '../suites/ui-chat.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeUiChat(createWorkersHarness);
