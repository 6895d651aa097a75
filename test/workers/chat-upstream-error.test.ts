import { describeChatUpstreamErrors } from '../suites/chat-upstream-error.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeChatUpstreamErrors(createWorkersHarness);
