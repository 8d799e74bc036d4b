"""Who may call the web editor's API, and from which page.

Any web page open in the administrator's browser can send requests to the editor's address
(a `fetch` with `mode: "no-cors"` and a text/plain body needs no permission), and a name that
a hostile DNS server points at 127.0.0.1 makes the browser treat the editor as that page's own
origin (DNS rebinding). So every request must name the editor's own address in `Host`; a
request that sends `Origin` or `Sec-Fetch-Site` must come from the editor's own page; API
calls must be JSON (a content type a foreign page cannot send without asking first) and carry
a session cookie (SameSite=Strict, HttpOnly) and its token in `X-CSRF-Token`, which only the
editor's own page can read from `GET /session`.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "guides_session"
IDLE = 2 * 3600          # a session unused this long ends
LONGEST = 12 * 3600      # and any session ends after a working day
FREE_TRIES = 3           # wrong passwords before each further try must wait
MAX_WAIT = 300


@dataclass(frozen=True)
class User:
    name: str
    role: str                  # "editor", "reviewer", or "local" (the single-user mode)
    town: str | None = None    # a town editor's 9-digit town code; None: the district

    @property
    def district(self) -> bool:
        return self.town is None

    def may_change(self, rel: str) -> bool:
        """Server-side scope: a town's people change only their town's stations."""
        if self.district:
            return True
        return rel.startswith(f"stations/{self.town}/")

    def public(self) -> dict:
        return {"name": self.name, "role": self.role, "town": self.town}


@dataclass
class Session:
    id: str
    user: User
    csrf: str
    started: float
    used: float


@dataclass
class Sessions:
    by_id: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: object = time.monotonic

    def start(self, user: User) -> Session:
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), now, now)
        with self.lock:
            self.by_id[s.id] = s
        return s

    def find(self, cookie_header: str | None) -> Session | None:
        sid = _cookie(cookie_header or "", COOKIE)
        if not sid:
            return None
        now = self.clock()
        with self.lock:
            s = self.by_id.get(sid)
            if s is None:
                return None
            if now - s.used > IDLE or now - s.started > LONGEST:
                del self.by_id[sid]
                return None
            s.used = now
            return s

    def end(self, session: Session) -> None:
        with self.lock:
            self.by_id.pop(session.id, None)

    def end_user(self, name: str) -> None:
        with self.lock:
            for sid in [sid for sid, s in self.by_id.items() if s.user.name == name]:
                del self.by_id[sid]


def cookie_header(session: Session | None) -> str:
    if session is None:
        return f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    return f"{COOKIE}={session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={LONGEST}"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


@dataclass
class Throttle:
    """Repeated wrong passwords are slowed down: after three, each try must wait longer
    (2, 4, 8 … seconds, at most five minutes), per account."""
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: object = time.monotonic

    def wait(self, name: str) -> int:
        """Seconds before `name` may try again (0: now)."""
        with self.lock:
            count, last = self.failures.get(name, (0, 0.0))
        if count < FREE_TRIES:
            return 0
        delay = min(MAX_WAIT, 2 ** (count - FREE_TRIES + 1))
        return max(0, int(last + delay - self.clock() + 0.999))

    def failed(self, name: str) -> None:
        with self.lock:
            count, _ = self.failures.get(name, (0, 0.0))
            self.failures[name] = (count + 1, self.clock())

    def succeeded(self, name: str) -> None:
        with self.lock:
            self.failures.pop(name, None)


@dataclass(frozen=True)
class Address:
    """The address the editor serves: the only `Host` it answers to."""
    host: str
    port: int

    @property
    def hosts(self) -> set[str]:
        names = {self.host}
        if self.host in ("127.0.0.1", "localhost"):
            names |= {"127.0.0.1", "localhost"}
        return {f"{n}:{self.port}" for n in names} | ({n for n in names} if self.port == 80 else set())

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


def wrong_host(address: Address, headers) -> str | None:
    host = (headers.get("Host") or "").strip().lower()
    if host not in address.hosts:
        return "地址不对：请用启动编辑器时显示的地址打开"
    return None


def cross_site(headers) -> str | None:
    """Why a request does not come from the editor's own page (None: it does)."""
    host = (headers.get("Host") or "").strip().lower()
    origin = headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() != f"http://{host}":
        return "拒绝来自其他网页的请求"
    site = headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return "拒绝来自其他网页的请求"
    return None


def json_request(headers) -> bool:
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower() == "application/json"


def token_ok(session: Session, headers) -> bool:
    sent = headers.get("X-CSRF-Token") or ""
    return hmac.compare_digest(sent.encode(), session.csrf.encode())
