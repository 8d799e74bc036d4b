"""Web addresses an administrator writes: read them the way a browser does.

A link is checked on what a browser would do with it (WHATWG URL rules, parsed with
ada-url, the parser of Node.js), not on what it looks like: `https://evil.example\\@zwfw.sd.gov.cn/`
looks like a government address but a browser goes to evil.example. An address is
accepted only if its host as written is the host the browser goes to: plain ASCII
letters, digits, hyphens and dots, no user name, no backslash, no percent-encoding,
no internationalised (xn--) labels, no IP address. Every message is Chinese and says why.
"""
from __future__ import annotations

import ipaddress
import re

import ada_url

# RFC 2606 / RFC 6761 reserved names, and the usual placeholders: a printed QR code must
# never lead to one of these (or to a domain anyone could register in their place).
RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local", "internal", "lan", "home", "arpa")
RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "example.cn", "example.com.cn")

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]")


# The site's own addresses: permanent, printed on paper and in QR codes for years. Spelled here
# only; every module builds them with these (paths are site-relative, without a leading /).
def station_path(village: str) -> str:
    """/<village-code>/: a station's home."""
    return f"{village}/"


def guide_path(village: str, item: str) -> str:
    """/<village-code>/<item-code>/: that station's guide for an item."""
    return f"{village}/{item}/"


def item_path(item: str) -> str:
    """/items/<item-code>/: the district-level guide."""
    return f"items/{item}/"


def absolute(site_url: str, path: str) -> str:
    """What a QR code encodes: the site's address and the page's path."""
    return f"{site_url.rstrip('/')}/{path}"


class UrlError(ValueError):
    """An address that must not be published; the message is for the administrator."""


def parse_https(url: str) -> dict:
    """The address as a browser reads it (ada-url's parts), or UrlError saying what is wrong."""
    if not isinstance(url, str) or not url:
        raise UrlError("地址不能为空")
    if _CONTROL_OR_SPACE.search(url):
        raise UrlError(f"地址中不能有空格、换行或不可见字符：“{url!r}”")
    if "\\" in url:
        raise UrlError(f"地址中不能有反斜杠“\\”（浏览器会把它当作“/”，可能去往另一个网站）：{url}")
    if not url.lower().startswith("https://"):
        raise UrlError(f"地址必须以 https:// 开头：{url}")
    try:
        parts = ada_url.parse_url(url)
    except ValueError:
        raise UrlError(f"不是有效的网址：{url}") from None
    if parts["protocol"] != "https:":
        raise UrlError(f"地址必须以 https:// 开头：{url}")
    if parts["username"] or parts["password"] or "@" in _authority(url):
        raise UrlError(f"地址中不能有“@”前的用户名部分（浏览器会去往“@”后面的网站）：{url}")
    host = parts["hostname"]
    if parts["host_type"] != ada_url.HostType.DEFAULT or _is_ip(host):
        raise UrlError(f"地址应使用域名，而不是 IP 地址：{url}")
    written = _authority(url).lower()
    if any(ord(ch) > 127 for ch in written) or "xn--" in written:
        raise UrlError(f"域名只能由英文字母、数字、“-”和“.”组成（不接受中文域名、全角字符或 xn-- 编码）：{url}")
    if written != parts["host"] or not _HOST.match(host):
        raise UrlError(f"域名写法不规范（浏览器实际去往 {host}）：{url}")
    return parts


def _authority(url: str) -> str:
    rest = url[len("https://"):]
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return bool(re.fullmatch(r"[0-9.]+", host))


def domain_allowed(host: str, allowed: list[str]) -> bool:
    """The host is an allowed domain or a subdomain of one (by whole labels: not `evilsd.gov.cn`)."""
    host = host.lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in allowed)


def check_link(url: str, allowed: list[str]) -> str:
    """An online-service link: https, well-formed, on an allowed domain. Returns the host."""
    parts = parse_https(url)
    if not domain_allowed(parts["hostname"], allowed):
        raise UrlError(f"域名 {parts['hostname']} 不在 district.yaml 的 online_domains 允许范围内")
    return parts["hostname"]


def check_domain(domain: str) -> str:
    """An entry of online_domains: a plain lowercase ASCII domain name."""
    if not _HOST.match(domain or "") or "xn--" in domain:
        raise UrlError(f"“{domain}”不是规范的域名（只写域名本身，如 zwfw.sd.gov.cn，小写，不带 https:// 和 /）")
    return domain


def site_origin(url: str) -> str:
    """The site's address: an https origin (scheme, host, optional port), without a path.

    Every page's address is this + "/" + its path; the site is published at the root of
    its host (Netlify), which the 404 page and the redirect rules rely on, so a path
    prefix is refused rather than half supported. Returns the normalised origin."""
    parts = parse_https(url)
    if parts["pathname"] not in ("", "/") or parts["search"] or parts["hash"]:
        raise UrlError(f"网站地址只写到域名为止（如 https://guides.boshan.gov.cn），不带路径、“?”或“#”：{url}")
    return parts["origin"]


def reserved_origin(url: str) -> str | None:
    """Why an origin is a placeholder that must not be printed (RFC 2606/6761 names,
    example.com and the like, localhost, single-label or IP hosts), or None."""
    try:
        host = ada_url.parse_url(url)["hostname"].lower().rstrip(".")
    except ValueError:
        return f"“{url}”不是有效的网址"
    if not host or _is_ip(host) or host.startswith("["):
        return f"{host or url} 是 IP 地址，不是正式域名"
    labels = host.split(".")
    if len(labels) < 2:
        return f"{host} 不是正式域名"
    if labels[-1] in RESERVED_TLDS:
        return f"{host} 使用保留的示例域名后缀 .{labels[-1]}，只能用于测试"
    for d in RESERVED_DOMAINS:
        if host == d or host.endswith("." + d):
            return f"{host} 是示例域名（{d}），任何人都可能注册或控制它"
    return None
