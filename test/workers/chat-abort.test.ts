import { describeChatAbort } from '../suites/chat-abort.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeChatAbort(createWorkersHarness);
