import { describeChatMessageId } from '../suites/chat-message-id.ts';
import { createNodeHarness } from './node-harness.ts';

describeChatMessageId(createNodeHarness);
