"""netlify.toml is fit for production: build, Python, security and cache headers."""
import tomllib

from conftest import ROOT


def config():
    return tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))


def headers_for(pattern: str) -> dict:
    return next(h["values"] for h in config()["headers"] if h["for"] == pattern)


def test_build_and_publish():
    c = config()
    assert c["build"]["publish"] == "site"
    assert "guides build" in c["build"]["command"]
    # the web editor's bundle comes from npm (package.json "dependencies") before the build copies it
    assert c["build"]["command"].index("npm ci --omit=dev") < c["build"]["command"].index("guides build")
    assert c["build"]["environment"]["PYTHON_VERSION"].startswith("3.11")


def test_security_headers_allow_only_the_site_itself():
    h = headers_for("/*")
    csp = dict(part.strip().split(" ", 1) for part in h["Content-Security-Policy"].split(";") if part.strip())
    assert csp["default-src"] == "'self'"
    for directive in ("script-src", "style-src", "font-src", "connect-src"):
        assert csp[directive] == "'self'", directive
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "max-age=31536000" in h["Strict-Transport-Security"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_cache_headers():
    for fingerprinted in ("/assets/stylesheets/*", "/assets/guides/*"):
        assert headers_for(fingerprinted)["Cache-Control"] == "public, max-age=31536000, immutable"
    for revalidated in ("/*/", "/", "/search/*"):
        assert "must-revalidate" in headers_for(revalidated)["Cache-Control"]
    assert headers_for("/_admin/*")["X-Robots-Tag"] == "noindex"


def test_fingerprinted_assets_really_are_fingerprinted(mini_site):
    import hashlib
    import re
    for css in (mini_site / "assets/stylesheets").glob("*.css"):
        assert re.search(r"\.[0-9a-f]{8}\.min\.css$", css.name), css.name
    ours = [p for p in (mini_site / "assets/guides").iterdir()]
    assert len(ours) == len(list((ROOT / "theme/assets/guides").iterdir()))
    for p in ours:  # the name carries the hash of the bytes: immutable is safe
        digest = re.search(r"\.([0-9a-f]{8})\.[a-z]+$", p.name)
        assert digest and hashlib.sha256(p.read_bytes()).hexdigest()[:8] == digest[1], p.name


def sent_headers(path: str) -> dict:
    """What Netlify sends for a path: every matching rule in file order, a later rule's header
    replacing the same header of an earlier one."""
    from fnmatch import fnmatchcase

    out = {}
    for rule in config()["headers"]:
        if fnmatchcase(path, rule["for"]):
            out.update(rule["values"])
    return out


def policy(header: str) -> dict:
    return dict((part.strip() + " ").split(" ", 1) for part in header.split(";") if part.strip())


def test_the_web_editor_has_its_own_policy_and_the_guides_keep_theirs():
    guide = policy(sent_headers("/370304001200/LN-001/")["Content-Security-Policy"])
    assert guide == policy(headers_for("/*")["Content-Security-Policy"])
    assert guide["script-src"].strip() == "'self'" and guide["style-src"].strip() == "'self'"
    admin = policy(sent_headers("/admin/")["Content-Security-Policy"])
    assert admin != guide
    # Decap needs eval (its config validator) and inline styles, but still nothing from another host
    assert admin["script-src"].split() == ["'self'", "'unsafe-eval'"]
    assert admin["style-src"].split() == ["'self'", "'unsafe-inline'"]
    for directive, value in admin.items():
        assert "http" not in value and "*" not in value, directive
    # blob: the editor reads a file chosen for upload back from its own blob URL (issue 23.5); still no other host
    assert admin["connect-src"].split() == ["'self'", "blob:"] and admin["frame-ancestors"].strip() == "'none'"
    assert sent_headers("/admin/config.yml")["X-Robots-Tag"] == "noindex"
