"""Named accounts for `guides edit --office`: `guides users add|list|remove|passwd`.

The accounts file (`.guides/accounts.json` beside content/ by default) is outside content/,
outside git (.gitignore) and outside the site, readable by its owner only. Passwords are
hashed with Argon2id (argon2-cffi: maintained, the algorithm OWASP recommends first).
"""
from __future__ import annotations

import getpass
import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .editor_guard import User
from .files import atomic_write

ROLES = {"editor": "编辑", "reviewer": "审核人"}
NAME = re.compile(r"^[\w\u4e00-\u9fff.-]{1,32}$")
_HASHER = PasswordHasher()
# the same work for an unknown name as for a wrong password: no way to learn which names exist
_DUMMY = _HASHER.hash("不存在的账号")


def default_path(content: Path) -> Path:
    return Path(content).resolve().parent / ".guides" / "accounts.json"


@dataclass
class Account:
    name: str
    role: str
    town: str | None
    hash: str

    def user(self) -> User:
        return User(self.name, self.role, self.town)

    def describe(self, towns: dict[str, str]) -> str:
        scope = f"{towns.get(self.town, '')}（{self.town}）" if self.town else "全区"
        return f"{self.name}\t{ROLES[self.role]}\t{scope}"


class Accounts:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.by_name: dict[str, Account] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.by_name = {a["name"]: Account(**a) for a in data.get("accounts", [])}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"accounts": [asdict(a) for a in sorted(self.by_name.values(), key=lambda a: a.name)]}
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        os.chmod(self.path, 0o600)

    def verify(self, name: str, password: str) -> User | None:
        account = self.by_name.get(name)
        try:
            _HASHER.verify(account.hash if account else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return account.user() if account else None

    def set(self, name: str, role: str, town: str | None, password: str) -> None:
        self.by_name[name] = Account(name, role, town, _HASHER.hash(password))


def _password(stdin: bool) -> str | None:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        print("两次输入的密码不一样", file=sys.stderr)
        return None
    return first


def _towns(content: Path) -> dict[str, str]:
    from .validate import read_catalogue

    catalogue, _ = read_catalogue(content)
    return {t.code: t.name for t in catalogue.district.towns} if catalogue else {}


def run(args) -> int:
    """`guides users …`"""
    accounts = Accounts(args.accounts or default_path(args.content))
    towns = _towns(args.content)
    if args.action == "list":
        if not accounts.by_name:
            print("还没有账号：用 guides users add 姓名 --role editor|reviewer [--town 镇街代码] 添加")
        for a in sorted(accounts.by_name.values(), key=lambda a: a.name):
            print(a.describe(towns))
        return 0
    name = args.name
    if not name or not NAME.match(name):
        print("账号名应为 1–32 个汉字、字母、数字或 . _ -", file=sys.stderr)
        return 1
    if args.action == "remove":
        if accounts.by_name.pop(name, None) is None:
            print(f"没有账号“{name}”", file=sys.stderr)
            return 1
        accounts.save()
        print(f"已删除账号“{name}”（正在使用的会话在编辑器重启或过期后失效）")
        return 0
    if args.action == "passwd":
        if name not in accounts.by_name:
            print(f"没有账号“{name}”", file=sys.stderr)
            return 1
        account = accounts.by_name[name]
        role, town = account.role, account.town
    else:
        if args.role not in ROLES:
            print("请用 --role editor（编辑）或 --role reviewer（审核人）", file=sys.stderr)
            return 1
        if args.town and args.town not in towns:
            print(f"镇（街道）代码 {args.town} 不在 district.yaml 的 towns 中", file=sys.stderr)
            return 1
        role, town = args.role, args.town
    password = _password(args.password_stdin)
    if password is None:
        return 1
    if len(password) < 8:
        print("密码至少 8 位", file=sys.stderr)
        return 1
    accounts.set(name, role, town, password)
    accounts.save()
    what = "已修改密码" if args.action == "passwd" else "已添加账号"
    print(f"{what}：{accounts.by_name[name].describe(towns)}")
    return 0
