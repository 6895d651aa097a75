import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, type UIMessage } from 'ai';
import { useEffect, useMemo, useRef, useState, type SyntheticEvent, type KeyboardEvent } from 'react';
import { retryAfterOf } from './api.ts';
import { describeError, type FailedResponse } from './errors.ts';
import { Icon } from './icons.tsx';
import { MarkdownText } from './markdown.tsx';

/** What the app keeps with a message: its stored status (history) and the model that answered. */
export interface MessageMetadata {
  status?: 'complete' | 'aborted' | 'error';
  model?: string;
}
export type ChatMessage = UIMessage<MessageMetadata>;

interface ChatViewProps {
  conversationId: string;
  initialMessages: ChatMessage[];
  model: string;
  onListChanged: () => void;
  onUnauthorized: () => void;
}

const textOf = (message: ChatMessage) => message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');

function MessageView(props: { message: ChatMessage; stopped: boolean; canRegenerate: boolean; onRegenerate: () => void }) {
  const { message } = props;
  const text = textOf(message);
  const [copied, setCopied] = useState(false);
  if (message.role === 'user') {
    return (
      <article className="message user" aria-label="Your message">
        <p className="user-text">{text}</p>
      </article>
    );
  }
  const status = props.stopped ? 'aborted' : message.metadata?.status;
  const copy = () => {
    void navigator.clipboard.writeText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <article className="message assistant" aria-label="Answer">
      <MarkdownText text={text} />
      <div className="message-actions">
        {status === 'aborted' ? <span className="badge">Stopped</span> : null}
        {status === 'error' ? <span className="badge error">Failed</span> : null}
        {message.metadata?.model === undefined ? null : <span className="model-name">{message.metadata.model}</span>}
        <button type="button" className="icon-button" onClick={copy} aria-label="Copy" title="Copy">
          <Icon name="copy" />
        </button>
        {copied ? <span className="copied">Copied</span> : null}
        {props.canRegenerate ? (
          <button type="button" className="icon-button" onClick={props.onRegenerate} aria-label="Regenerate" title="Regenerate">
            <Icon name="retry" />
          </button>
        ) : null}
      </div>
    </article>
  );
}

/** One conversation: its messages and the composer, on the AI SDK's useChat against /api/ui/chat. */
export function ChatView(props: ChatViewProps) {
  const failed = useRef<FailedResponse | undefined>(undefined);
  const { onUnauthorized } = props;
  const transport = useMemo(
    () =>
      new DefaultChatTransport<ChatMessage>({
        api: '/api/ui/chat',
        credentials: 'same-origin',
        // useChat's error carries the status and body but not the headers: Retry-After is read here.
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          failed.current = response.ok
            ? undefined
            : { status: response.status, retryAfterSeconds: retryAfterOf(response.headers) };
          if (response.status === 401) onUnauthorized();
          return response;
        },
      }),
    [onUnauthorized],
  );
  const { messages, sendMessage, status, stop, regenerate, error, clearError } = useChat<ChatMessage>({
    id: props.conversationId,
    messages: props.initialMessages,
    transport,
    onFinish: props.onListChanged,
    onError: props.onListChanged,
  });
  const [input, setInput] = useState('');
  const [stoppedIds, setStoppedIds] = useState<ReadonlySet<string>>(new Set());
  const bottom = useRef<HTMLDivElement>(null);
  const busy = status === 'submitted' || status === 'streaming';

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [messages]);
  // The conversation exists (or moved to the top) as soon as its answer starts: the list shows it then.
  const { onListChanged } = props;
  useEffect(() => {
    if (status === 'streaming') onListChanged();
  }, [status, onListChanged]);

  const body = props.model === '' ? {} : { model: props.model };
  const send = () => {
    const text = input.trim();
    if (text === '' || busy) return;
    clearError();
    setInput('');
    void sendMessage({ text }, { body });
  };
  const onSubmit = (event: SyntheticEvent) => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };
  const onStop = () => {
    const last = messages.at(-1);
    if (last?.role === 'assistant') setStoppedIds((ids) => new Set([...ids, last.id]));
    void stop().then(props.onListChanged);
  };
  const onRegenerate = () => {
    clearError();
    void regenerate({ body });
  };
  const lastAnswer = messages.findLast((message) => message.role === 'assistant');

  return (
    <section className="chat" aria-label="Chat">
      <div className="messages">
        {messages.length === 0 ? <p className="empty-chat">Ask anything. Answers stream in as the model writes them.</p> : null}
        {messages.map((message) => (
          <MessageView
            key={message.id}
            message={message}
            stopped={stoppedIds.has(message.id)}
            canRegenerate={!busy && message === lastAnswer && message === messages.at(-1)}
            onRegenerate={onRegenerate}
          />
        ))}
        {status === 'submitted' ? <p className="thinking">Waiting for the model…</p> : null}
        {error === undefined ? null : (
          <div role="alert" className="alert">
            {describeError(error, failed.current)}
            {messages.at(-1)?.role === 'user' ? (
              <button type="button" onClick={onRegenerate}>
                Retry
              </button>
            ) : null}
          </div>
        )}
        <div ref={bottom} />
      </div>
      <form className="composer" onSubmit={onSubmit}>
        <textarea
          aria-label="Message"
          placeholder="Message (Enter sends, Shift+Enter for a new line)"
          rows={2}
          value={input}
          onChange={(event) => setInput(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {busy ? (
          <button type="button" className="stop" onClick={onStop}>
            <Icon name="stop" />
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={input.trim() === ''}>
            <Icon name="send" />
            Send
          </button>
        )}
      </form>
    </section>
  );
}
