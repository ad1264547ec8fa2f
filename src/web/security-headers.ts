/**
 * Security headers on every response. The CSP allows scripts from our origin only and no inline
 * scripts (page behaviour lives in /static/*.js), no plugins, no framing. HSTS only on responses sent
 * over TLS (TLS_CERT / TLS_KEY): a browser ignores it over plain HTTP, and a loopback-only HTTP
 * service must not tell browsers to insist on HTTPS for its host name.
 */
import type { RequestHandler } from 'express';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  next();
};
