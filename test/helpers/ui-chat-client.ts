/**
 * The AI SDK's own chat client without React: `AbstractChat` (what `useChat` wraps) with a plain
 * array as its state, talking to the API through `DefaultChatTransport`. Web APIs only, so the
 * protocol suite runs it on Node and inside workerd.
 */
import { AbstractChat, DefaultChatTransport, type ChatState, type ChatStatus, type UIMessage } from 'ai';

class ArrayChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((existing, position) => (position === index ? message : existing));
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

export class TestChat extends AbstractChat<UIMessage> {
  readonly errors: Error[] = [];

  constructor(options: { id: string; fetch: typeof fetch; body?: object; onText?: (text: string) => void }) {
    const state = new ArrayChatState();
    const errors: Error[] = [];
    super({
      id: options.id,
      state,
      transport: new DefaultChatTransport({
        api: '/api/ui/chat',
        fetch: options.fetch,
        ...(options.body === undefined ? {} : { body: options.body }),
      }),
      onError: (error) => errors.push(error),
    });
    this.errors = errors;
  }

  /** The text of the last message (the answer once a turn ran). */
  get lastText(): string {
    return textOfMessage(this.messages.at(-1));
  }
}

export const textOfMessage = (message: UIMessage | undefined): string =>
  (message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
