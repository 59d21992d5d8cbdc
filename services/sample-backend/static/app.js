// The WebSocket demo on /app/: opens /app/ws (through the gateway, on this origin), sends what you
// type, shows what comes back, and says why the socket closed. Text only: never innerHTML.

const status = document.getElementById('echo-status');
const form = document.getElementById('echo-form');
const input = document.getElementById('echo-message');
const button = form.querySelector('button');
const log = document.getElementById('echo-log');

function show(kind, text) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  log.append(item);
}

function describeClose(event) {
  return event.reason === ''
    ? `Connection closed (code ${event.code})`
    : `Connection closed (code ${event.code}: ${event.reason})`;
}

const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const socket = new WebSocket(`${scheme}//${location.host}/app/ws`);

socket.addEventListener('open', () => {
  status.textContent = 'Connected.';
  input.disabled = false;
  button.disabled = false;
});

socket.addEventListener('message', (event) => {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (message.type === 'hello') show('hello', `Server: hello, ${message.email}`);
  else if (message.type === 'echo') show('echo', `Echo: ${message.data}`);
});

// 4401 is the gateway's "session ended" code: the session was revoked (logout, revoke) or expired.
socket.addEventListener('close', (event) => {
  status.textContent = describeClose(event);
  status.classList.add('closed');
  input.disabled = true;
  button.disabled = true;
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value;
  if (text === '' || socket.readyState !== WebSocket.OPEN) return;
  socket.send(text);
  show('sent', `You: ${text}`);
  input.value = '';
});
