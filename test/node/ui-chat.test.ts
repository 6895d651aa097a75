import { describeUiChat } from '../suites/ui-chat.ts';
import { createNodeHarness } from './node-harness.ts';

describeUiChat(createNodeHarness);
