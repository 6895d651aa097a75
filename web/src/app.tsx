import { useCallback, useEffect, useRef, useState } from 'react';
import {
  authState,
  deleteConversation,
  getConversation,
  listConversations,
  listModels,
  renameConversation,
  setUnauthorizedHandler,
  signOut,
  type AuthState,
  type ConversationSummary,
  type ModelInfo,
  type StoredMessage,
} from './api.ts';
import { ChatView, type ChatMessage } from './chat-view.tsx';
import { describeError } from './errors.ts';
import { Icon } from './icons.tsx';
import { Sidebar } from './sidebar.tsx';
import { SignIn } from './sign-in.tsx';

const pageSize = 20;

/** The conversation in the address (`#/c/<id>`), so a reload opens it again. */
const conversationInHash = () => /^#\/c\/([\w-]+)$/.exec(window.location.hash)?.[1];

const toChatMessage = (message: StoredMessage): ChatMessage => ({
  id: message.id,
  role: message.role,
  parts: [{ type: 'text', text: message.content }],
  metadata: { status: message.status, ...(message.model === undefined ? {} : { model: message.model }) },
});

type Opened = { id: string; messages: ChatMessage[] } | undefined;

/** Ids of new chats made on this page: not stored until their first answer, so not asked for (StrictMode mounts twice in development). */
const freshIds = new Set<string>();
const freshId = () => {
  const id = crypto.randomUUID();
  freshIds.add(id);
  return id;
};

function ChatApp({ auth, onSignedOut }: { auth: AuthState; onSignedOut: () => void }) {
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [opened, setOpened] = useState<Opened>();
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [model, setModel] = useState('');
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [pageError, setPageError] = useState<string | undefined>();

  const refreshList = useCallback(async (count = pageSize) => {
    try {
      const page = await listConversations(Math.min(100, Math.max(pageSize, count)), 0);
      setConversations(page.conversations);
      setTotal(page.total);
    } catch (error) {
      setPageError(describeError(error));
    }
  }, []);

  const open = useCallback(async (id: string | undefined) => {
    if (id === undefined || freshIds.has(id)) {
      const fresh = id ?? freshId();
      window.history.replaceState(null, '', `#/c/${fresh}`);
      setOpened({ id: fresh, messages: [] });
      return;
    }
    try {
      const conversation = await getConversation(id);
      setOpened({ id, messages: conversation.messages.filter((message) => message.role !== 'system').map(toChatMessage) });
    } catch (error) {
      // Not stored yet (a new chat before its first answer), or gone: an empty chat under that id.
      if ((error as { status?: number }).status !== 404) setPageError(describeError(error));
      setOpened({ id, messages: [] });
    }
  }, []);

  useEffect(() => {
    void refreshList();
    void open(conversationInHash());
    listModels()
      .then((list) => setModels(list.models.filter((entry) => entry.available !== false)))
      .catch((error: unknown) => setPageError(describeError(error)));
    const onHashChange = () => void open(conversationInHash());
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [open, refreshList]);

  const startNewChat = () => {
    setSidebarOpen(false);
    // pushState: no hashchange, so nothing asks the server for a conversation that does not exist yet.
    const fresh = freshId();
    window.history.pushState(null, '', `#/c/${fresh}`);
    setOpened({ id: fresh, messages: [] });
  };
  const rename = async (id: string, title: string) => {
    try {
      await renameConversation(id, title);
      await refreshList(conversations.length);
    } catch (error) {
      setPageError(describeError(error));
    }
  };
  const remove = async (id: string) => {
    try {
      await deleteConversation(id);
      await refreshList(conversations.length);
      if (id === opened?.id) startNewChat();
    } catch (error) {
      setPageError(describeError(error));
    }
  };
  const loadMore = async () => {
    try {
      const page = await listConversations(pageSize, conversations.length);
      setConversations((current) => [
        ...current,
        ...page.conversations.filter((entry) => !current.some((c) => c.id === entry.id)),
      ]);
      setTotal(page.total);
    } catch (error) {
      setPageError(describeError(error));
    }
  };
  // useChat keeps the callbacks its chat was made with: the list length is read when a turn settles.
  const shown = useRef(conversations.length);
  shown.current = conversations.length;
  const settled = useCallback(() => {
    // An answer started or ended: the open chat is stored now, so it is fetched when opened again.
    freshIds.clear();
    void refreshList(shown.current);
  }, [refreshList]);

  return (
    <div className="layout">
      <header className="top-bar">
        <button
          type="button"
          className="icon-button sidebar-toggle"
          aria-label="Conversations"
          aria-expanded={sidebarOpen}
          onClick={() => setSidebarOpen((value) => !value)}
        >
          <Icon name="menu" />
        </button>
        <h1 className="app-name">edge-llm chat</h1>
        <select className="model-picker" aria-label="Model" value={model} onChange={(event) => setModel(event.target.value)}>
          <option value="">Default model</option>
          {models.map((entry) => (
            <option key={entry.name} value={entry.name}>
              {entry.provider === 'alias' ? `${entry.name} (alias)` : entry.name}
            </option>
          ))}
        </select>
        {auth.kind === 'signed-in' ? (
          <button type="button" className="sign-out" onClick={() => void signOut().finally(onSignedOut)}>
            Sign out
          </button>
        ) : null}
      </header>
      <Sidebar
        conversations={conversations}
        total={total}
        activeId={opened?.id ?? ''}
        open={sidebarOpen}
        onNew={startNewChat}
        onLoadMore={() => void loadMore()}
        onRename={rename}
        onDelete={remove}
        onNavigate={() => setSidebarOpen(false)}
      />
      <main className="main">
        {pageError === undefined ? null : (
          <div role="alert" className="alert page-alert">
            {pageError}
            <button type="button" onClick={() => setPageError(undefined)}>
              Dismiss
            </button>
          </div>
        )}
        {opened === undefined ? null : (
          <ChatView
            key={opened.id}
            conversationId={opened.id}
            initialMessages={opened.messages}
            model={model}
            onListChanged={settled}
            onUnauthorized={onSignedOut}
          />
        )}
      </main>
    </div>
  );
}

/** Decides at start whether a sign-in is needed (GET /api/auth/me), then shows the chat. */
export function App() {
  const [auth, setAuth] = useState<AuthState | undefined>();
  const check = useCallback(() => void authState().then(setAuth), []);
  useEffect(() => {
    setUnauthorizedHandler(() => setAuth({ kind: 'signed-out' }));
    check();
  }, [check]);
  if (auth === undefined) return null;
  if (auth.kind === 'signed-out') return <SignIn onSignedIn={check} />;
  return <ChatApp auth={auth} onSignedOut={() => setAuth({ kind: 'signed-out' })} />;
}
