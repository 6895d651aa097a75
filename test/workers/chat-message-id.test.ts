import { describeChatMessageId } from '../suites/chat-message-id.ts';
import { createWorkersHarness } from './workers-harness.ts';

describeChatMessageId(createWorkersHarness);
