// One file to POST /api/documents[?collection=ID] in its own XMLHttpRequest, for the bytes-sent
// progress that fetch cannot report. The session's security token comes from csrf.js
// (window.docentToken); a refusal for a stale token (403, Docent-Refused: token) is sent once more
// with a fresh one. Resolves to {status, body} (the parsed JSON reply), or {status: 0, error}
// when the request never got an answer; never rejects.

const NETWORK = 'the upload did not reach the server; check the connection and try again';

function sendOnce(file, collection, token, onProgress) {
  return new Promise((resolve) => {
    const xhr = new window.XMLHttpRequest();
    const query = collection ? `?collection=${encodeURIComponent(collection)}` : '';
    xhr.open('POST', `/api/documents${query}`);
    xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.setRequestHeader('Accept', 'application/json');
    // The request's total counts the multipart framing too, a little more than the file.
    let total = file.size;
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) total = e.total;
      onProgress(e.loaded, total);
    });
    xhr.upload.addEventListener('load', () => onProgress(total, total));
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON (a proxy's error page): the status says enough
      }
      resolve({ status: xhr.status, refused: xhr.getResponseHeader('Docent-Refused'), body });
    });
    xhr.addEventListener('error', () => resolve({ status: 0, error: NETWORK }));
    xhr.addEventListener('abort', () => resolve({ status: 0, error: NETWORK }));
    const body = new FormData();
    body.append('file', file, file.name);
    xhr.send(body);
  });
}

/** Sends `file`; onProgress(loaded, total) as its bytes go out. */
export async function sendFile(file, collection, onProgress) {
  for (const renew of [false, true]) {
    let token;
    try {
      token = await (renew ? window.docentToken.renew() : window.docentToken.get());
    } catch (err) {
      return { status: 0, error: err.message };
    }
    const res = await sendOnce(file, collection, token, onProgress);
    if (!(res.status === 403 && res.refused === 'token') || renew) return res;
  }
  return { status: 0, error: NETWORK }; // not reached
}
