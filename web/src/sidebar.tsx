import { useState, type SyntheticEvent } from 'react';
import type { ConversationSummary } from './api.ts';
import { Icon } from './icons.tsx';

interface SidebarProps {
  conversations: ConversationSummary[];
  total: number;
  activeId: string;
  open: boolean;
  onNew: () => void;
  onLoadMore: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
  onNavigate: () => void;
}

function ConversationItem(props: {
  conversation: ConversationSummary;
  active: boolean;
  onRename: SidebarProps['onRename'];
  onDelete: SidebarProps['onDelete'];
  onNavigate: () => void;
}) {
  const { conversation } = props;
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [title, setTitle] = useState(conversation.title);

  const saveTitle = (event: SyntheticEvent) => {
    event.preventDefault();
    const trimmed = title.trim();
    if (trimmed === '') return;
    void props.onRename(conversation.id, trimmed).then(() => setMode('view'));
  };

  if (mode === 'rename') {
    return (
      <li className="conversation editing">
        <form onSubmit={saveTitle} className="rename-form">
          <input
            aria-label="Conversation title"
            value={title}
            maxLength={200}
            autoFocus
            onChange={(event) => setTitle(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setMode('view');
            }}
          />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setMode('view')}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  if (mode === 'delete') {
    return (
      <li className="conversation editing">
        <span className="confirm-text">Delete “{conversation.title}”?</span>
        <button type="button" className="danger" onClick={() => void props.onDelete(conversation.id)}>
          Confirm delete
        </button>
        <button type="button" onClick={() => setMode('view')}>
          Cancel
        </button>
      </li>
    );
  }
  return (
    <li className={props.active ? 'conversation active' : 'conversation'}>
      <a href={`#/c/${conversation.id}`} aria-current={props.active ? 'page' : undefined} onClick={props.onNavigate}>
        {conversation.title}
      </a>
      <button
        type="button"
        className="icon-button"
        aria-label="Rename conversation"
        title="Rename"
        onClick={() => {
          setTitle(conversation.title);
          setMode('rename');
        }}
      >
        <Icon name="pencil" />
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Delete conversation"
        title="Delete"
        onClick={() => setMode('delete')}
      >
        <Icon name="trash" />
      </button>
    </li>
  );
}

/** The caller's conversations, newest first, a page at a time. */
export function Sidebar(props: SidebarProps) {
  return (
    <nav className={props.open ? 'sidebar open' : 'sidebar'} aria-label="Conversations">
      <button type="button" className="new-chat" onClick={props.onNew}>
        <Icon name="plus" />
        New chat
      </button>
      <ul className="conversations">
        {props.conversations.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            active={conversation.id === props.activeId}
            onRename={props.onRename}
            onDelete={props.onDelete}
            onNavigate={props.onNavigate}
          />
        ))}
      </ul>
      {props.conversations.length === 0 ? <p className="empty-list">No conversations yet.</p> : null}
      {props.conversations.length < props.total ? (
        <button type="button" className="load-more" onClick={props.onLoadMore}>
          Show more
        </button>
      ) : null}
    </nav>
  );
}
