// The chat list beside the conversation and the chat's heading. A new chat joins the top of the
// list; chats are renamed in place (the list's pencil or the heading's Rename: PATCH
// /api/chats/:id) or deleted from the heading (DELETE /api/chats/:id); the list grows with "Show
// more" (server-rendered, escaped <li> items from /chats/list). Titles are written with textContent.
const $ = (id) => document.getElementById(id);

/** The chat the page shows now (ask.js sets it when the first answer creates the chat). */
const currentChat = () => $('conversation').dataset.chatId || undefined;

/** Lists a chat the page has just created, titled by its first question, and shows its heading. */
export function listNewChat(id, question) {
  let list = $('chat-list');
  if (!list) {
    list = document.createElement('ul');
    list.id = 'chat-list';
    document.querySelector('.chat-list p')?.remove();
    document.querySelector('.chat-list').append(list);
  }
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = `/chats/${encodeURIComponent(id)}`;
  a.dataset.chatId = id;
  a.className = 'active';
  a.setAttribute('aria-current', 'page');
  a.textContent = question.replace(/\s+/g, ' ').trim().slice(0, 80);
  a.title = a.textContent;
  const rename = document.createElement('button');
  rename.type = 'button';
  rename.className = 'rename-chat icon-button';
  rename.dataset.chatId = id;
  rename.title = 'Rename';
  rename.textContent = '✎';
  $('chat-title').textContent = a.textContent;
  document.title = `${a.textContent} · Docent`;
  li.append(a, rename);
  list.prepend(li);
  labelRename(rename, a.textContent);
  // The chat now exists: it can be renamed and deleted from its heading.
  for (const b of [$('rename-chat'), $('delete-chat')]) b.dataset.chatId = id;
  document.querySelector('.chat-actions').hidden = false;
}

function labelRename(button, title) {
  button.setAttribute('aria-label', `Rename chat: ${title}`);
}

async function deleteChat(button, showError) {
  if (!window.confirm('Delete this chat and its answers?')) return;
  const res = await fetch(`/api/chats/${encodeURIComponent(button.dataset.chatId)}`, { method: 'DELETE' });
  if (res.ok || res.status === 404) location.assign('/');
  else showError('The chat could not be deleted; please try again.');
}

/** Shows every place that names the chat with its new title. */
function showTitle(id, title) {
  for (const a of document.querySelectorAll('#chat-list a[data-chat-id]')) {
    if (a.dataset.chatId !== id) continue;
    a.textContent = title;
    a.title = title;
    labelRename(a.nextElementSibling, title);
  }
  if (id === currentChat()) {
    $('chat-title').textContent = title;
    document.title = `${title} · Docent`;
  }
}

/**
 * Renames a chat in place: `shown` (the heading or the list link) is swapped for a small form;
 * Enter or Save sends PATCH /api/chats/:id, Escape or Cancel puts `shown` back unchanged.
 */
function startRename(id, shown, returnFocus) {
  if (!id || document.querySelector('.rename-form')) return;
  const form = document.createElement('form');
  form.className = 'rename-form';
  form.noValidate = true;
  const input = document.createElement('input');
  input.type = 'text';
  input.name = 'title';
  input.value = shown.textContent.trim();
  input.maxLength = Number(document.querySelector('.chat-list').dataset.titleMax) || 80;
  input.setAttribute('aria-label', 'Chat title');
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = 'Save';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'secondary';
  cancel.textContent = 'Cancel';
  const error = document.createElement('span');
  error.className = 'rename-error';
  error.setAttribute('role', 'alert');
  form.append(input, save, cancel, error);
  shown.hidden = true;
  shown.after(form);
  input.focus();
  input.select();
  const close = () => {
    form.remove();
    shown.hidden = false;
    returnFocus?.focus();
  };
  cancel.addEventListener('click', close);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    const res = await fetch(`/api/chats/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ title: input.value }),
    }).catch((err) => ({ ok: false, json: async () => ({ error: `Could not reach the server: ${err.message}` }) }));
    save.disabled = false;
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      error.textContent = body.error ?? 'The chat could not be renamed; please try again.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    const chat = await res.json();
    close();
    showTitle(id, chat.title);
  });
}

async function showMoreChats(button, showError) {
  button.disabled = true;
  const res = await fetch(`/chats/list?before=${encodeURIComponent(button.dataset.next)}`).catch(() => undefined);
  button.disabled = false;
  if (!res?.ok) {
    showError('More chats could not be loaded; please try again.');
    return;
  }
  const list = $('chat-list');
  const known = new Set([...list.querySelectorAll('a[data-chat-id]')].map((a) => a.dataset.chatId));
  const more = document.createElement('template');
  // The server escaped every title in these items.
  more.innerHTML = await res.text();
  for (const li of [...more.content.children]) {
    // A chat asked in since the first page moved to the top: do not list it twice.
    const id = li.querySelector('a[data-chat-id]')?.dataset.chatId;
    if (id && !known.has(id)) list.append(li);
    if (id === currentChat()) li.querySelector('a').classList.add('active');
  }
  const next = res.headers.get('Docent-Next');
  button.dataset.next = next ?? '';
  button.hidden = !next;
}

/** Wires the list and the heading; `showError(message)` shows what went wrong on the page. */
export function initChatList(showError) {
  $('delete-chat')?.addEventListener('click', (event) => void deleteChat(event.currentTarget, showError));
  $('rename-chat').addEventListener('click', (event) => startRename(event.currentTarget.dataset.chatId, $('chat-title'), event.currentTarget));
  $('more-chats').addEventListener('click', (event) => void showMoreChats(event.currentTarget, showError));
  document.querySelector('.chat-list').addEventListener('click', (event) => {
    const button = event.target.closest('button.rename-chat');
    if (button) startRename(button.dataset.chatId, button.previousElementSibling, button);
  });
}
