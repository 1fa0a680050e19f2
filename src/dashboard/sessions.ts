import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Who may use the dashboard. A login link carries a one-time token; using it makes a
 * session (kept in an HttpOnly cookie) and a fresh token for the next link, so a link
 * seen in a terminal's scroll-back or a browser's history opens nothing once used.
 * Everything is in memory: a restarted host forgets every session.
 */

export interface Session {
  id: string;
  /** Sent back by the page's state-changing calls (`x-berth-csrf`). */
  csrf: string;
}

/** Sessions kept at once; the oldest is forgotten first (one browser tab needs one). */
const MAX_SESSIONS = 64;

export class Sessions {
  private token = newSecret();
  private readonly sessions = new Map<string, Session>();

  /**
   * @param port The dashboard's port: cookies are shared by every port of a host name, so
   *   each dashboard names its own.
   */
  constructor(readonly port: number) {}

  /** The cookie holding the session id. */
  get cookieName(): string {
    return `berth-${this.port}`;
  }

  /** The token of the next login link; it changes once used. */
  get loginToken(): string {
    return this.token;
  }

  /** Spends the login token: a new session, or undefined when it is not the current one. */
  login(token: string | undefined): Session | undefined {
    if (token === undefined || !same(token, this.token)) return undefined;
    this.token = newSecret();
    const session = { id: newSecret(), csrf: newSecret() };
    this.sessions.set(session.id, session);
    if (this.sessions.size > MAX_SESSIONS) {
      this.sessions.delete(this.sessions.keys().next().value!);
    }
    return session;
  }

  /** The session of this cookie value, if any. */
  find(id: string | undefined): Session | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }
}

function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Compared in constant time: a guess learns nothing from how long a refusal took. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
