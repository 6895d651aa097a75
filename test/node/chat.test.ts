import { describeChat } from '../suites/chat.ts';
import { createNodeHarness } from './node-harness.ts';

describeChat(createNodeHarness);
