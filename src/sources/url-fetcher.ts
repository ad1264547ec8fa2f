/**
 * Fetches one web page for "Add a web page" into a temp file, with the bounds an upload has:
 *   - only http: and https: URLs;
 *   - the host name is resolved here and every address it gives is checked (address-policy.ts);
 *     the connection goes to the checked address (a pinned `lookup`), so a second DNS answer
 *     (DNS rebinding) cannot point it elsewhere. ALLOW_PRIVATE_URLS=true lifts the check;
 *   - redirects are followed by hand, at most MAX_REDIRECTS, each hop checked like the first;
 *   - at most `maxBytes` (MAX_UPLOAD_MB): a larger Content-Length is refused before the body, a
 *     body that grows past it is cut off; the whole fetch, redirects included, within `timeoutMs`;
 *   - a status other than 2xx, or a content type Docent cannot read, is refused.
 * Every refusal is a UrlFetchError whose message says what to do; `code` lets the web pick a status.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { isPrivateAddress } from './address-policy.ts';
import { describeBytes } from './describe-bytes.ts';

export const MAX_REDIRECTS = 5;

export type UrlFetchErrorCode = 'bad_url' | 'private_address' | 'unresolved' | 'too_many_redirects' | 'too_large' | 'timeout' | 'http_status' | 'unreadable_type' | 'network';

export class UrlFetchError extends InvalidInputError {
  constructor(message: string, readonly reason: UrlFetchErrorCode) {
    super(message, { code: reason });
  }
}

export interface FetchOptions {
  /** Where the body is written (a file named by the fetcher). */
  tempDir: string;
  maxBytes: number;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Which addresses are refused (tests narrow it); default address-policy.ts. Ignored with allowPrivate. */
  blocked?: (ip: string) => boolean;
  /** Name resolution (tests); default dns.lookup with every address. */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface FetchedPage {
  tempPath: string;
  size: number;
  /** The media type the site named, without parameters (lower case). */
  contentType: string;
  /** The URL after redirects. */
  finalUrl: string;
}

/** Content types fetched; anything else is refused before its body is read. */
const READABLE = /^(text\/(html|plain|markdown|csv|x-markdown)|application\/(xhtml\+xml|pdf|epub\+zip|rtf|vnd\.openxmlformats-officedocument\.[\w.]+|vnd\.oasis\.opendocument\.text|octet-stream)|image\/(png|jpeg|tiff|webp))$/;

/** Parses and checks a URL someone typed: http(s) only, with a host. */
export function parseWebUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UrlFetchError(`"${raw.slice(0, 200)}" is not a web address: give a full URL such as https://example.org/page.`, 'bad_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlFetchError(`Only http and https addresses can be added (this one is ${url.protocol.replace(/:$/, '')}:).`, 'bad_url');
  }
  if (url.username !== '' || url.password !== '') throw new UrlFetchError('Leave the user name and password out of the address: Docent fetches public pages only.', 'bad_url');
  return url;
}

const defaultResolve = (host: string) => dns.lookup(host, { all: true, verbatim: true });

/** The address to connect to for `url`'s host, checked against the policy. */
async function pickAddress(url: URL, opts: FetchOptions): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  if (net.isIP(host) !== 0) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await (opts.resolve ?? defaultResolve)(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw new UrlFetchError(`The host name "${host}" could not be found: check the address.`, 'unresolved');
  }
  if (!opts.allowPrivate) {
    const bad = addresses.find((a) => (opts.blocked ?? isPrivateAddress)(a.address));
    if (bad) {
      throw new UrlFetchError(
        `${url.host} is on a private network (${bad.address}); Docent only fetches public pages. Set ALLOW_PRIVATE_URLS=true to allow it.`,
        'private_address',
      );
    }
  }
  return addresses[0]!;
}

/** Fetches `raw` (following redirects); the caller owns `tempPath` of the result. */
export async function fetchUrl(raw: string, opts: FetchOptions): Promise<FetchedPage> {
  let url = parseWebUrl(raw);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      const target = await pickAddress(url, opts);
      if (deadline.signal.aborted) throw timedOut(opts.timeoutMs);
      const res = await request(url, target, deadline.signal, opts.timeoutMs);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.destroy();
        if (hop >= MAX_REDIRECTS) throw new UrlFetchError(`The site redirected more than ${MAX_REDIRECTS} times; add the page's final address instead.`, 'too_many_redirects');
        url = parseWebUrl(new URL(res.headers.location, url).href);
        continue;
      }
      if (status < 200 || status >= 300) {
        res.destroy();
        throw new UrlFetchError(`HTTP ${status} from the site for ${url.href}: check that the page opens in a browser.`, 'http_status');
      }
      const contentType = (res.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
      if (!READABLE.test(contentType)) {
        res.destroy();
        throw new UrlFetchError(`The address gives ${contentType}, which Docent cannot read; add a web page, a PDF or another document format.`, 'unreadable_type');
      }
      const announced = Number(res.headers['content-length']);
      if (Number.isFinite(announced) && announced > opts.maxBytes) {
        res.destroy();
        throw tooLarge(opts.maxBytes);
      }
      const tempPath = path.join(opts.tempDir, `url-${randomUUID()}`);
      await fs.mkdir(opts.tempDir, { recursive: true });
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (size > opts.maxBytes) cb(tooLarge(opts.maxBytes));
          else cb(null, chunk);
        },
      });
      try {
        await pipeline(res, counter, createWriteStream(tempPath), { signal: deadline.signal });
      } catch (err) {
        await fs.rm(tempPath, { force: true });
        if (err instanceof UrlFetchError) throw err;
        if (deadline.signal.aborted) throw timedOut(opts.timeoutMs);
        throw new UrlFetchError(`The site broke off while sending the page (${(err as Error).message}); try again later.`, 'network');
      }
      return { tempPath, size, contentType, finalUrl: url.href };
    }
  } finally {
    clearTimeout(timer);
  }
}

const tooLarge = (max: number): UrlFetchError =>
  new UrlFetchError(`The page is larger than ${describeBytes(max)} (MAX_UPLOAD_MB); save it and upload a smaller part, or raise the limit.`, 'too_large');

const timedOut = (ms: number): UrlFetchError =>
  new UrlFetchError(`The site did not answer within ${Math.round(ms / 100) / 10} s (URL_FETCH_TIMEOUT_S); try again later.`, 'timeout');

/** One GET to `url`, connected to `target` whatever DNS says now. Resolves with the response head. */
function request(url: URL, target: { address: string; family: number }, signal: AbortSignal, timeoutMs: number): Promise<http.IncomingMessage> {
  const pinned: net.LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'GET',
        agent: false,
        lookup: pinned,
        signal,
        headers: { 'user-agent': 'Docent (web page import)', accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5' },
      },
      resolve,
    );
    req.on('error', (err) => reject(signal.aborted ? timedOut(timeoutMs) : new UrlFetchError(`Could not reach ${url.host} (${(err as NodeJS.ErrnoException).code ?? err.message}); check the address.`, 'network')));
    req.end();
  });
}
