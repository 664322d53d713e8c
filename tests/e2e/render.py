"""Write the private Postfix and Dovecot configuration of the e2e suite.

    python tests/e2e/render.py ODOO_DIR

renders ``tests/e2e/conf/`` into ``$NATERO_E2E_STATE`` (default .state/e2e):
``postfix/conf/`` (main.cf, master.cf, transport, vmailbox), ``dovecot/``
(dovecot.conf, users), and ``bin/`` (a copy of Odoo's odoo-mailgate.py and the
Python 3 wrapper that the pipe runs).  ``{{NAME}}`` placeholders are replaced;
an unknown placeholder is an error.
"""

import pwd
import re
import shutil
import sys
from pathlib import Path

import settings as e2e

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
PIPE_USER = "nobody"  # owner of the mailboxes and of the mailgate pipe


def values(cfg):
    user = pwd.getpwnam(PIPE_USER)
    return {
        "STATE": str(cfg.state),
        "BASE_DOMAIN": e2e.BASE_DOMAIN,
        "ALIAS_DOMAIN": e2e.ALIAS_DOMAIN,
        "INBOX_DOMAIN": e2e.INBOX_DOMAIN,
        "CUSTOMERS_DOMAIN": e2e.CUSTOMERS_DOMAIN,
        "TEAM_DOMAIN": e2e.TEAM_DOMAIN,
        "SMTP_PORT": str(cfg.smtp_port),
        "IMAP_PORT": str(cfg.imap_port),
        "ODOO_PORT": str(cfg.odoo_port),
        "DB": cfg.db,
        "ODOO_PASSWORD": cfg.odoo_password,
        "IMAP_PASSWORD": cfg.imap_password,
        "MAIL_UID": str(user.pw_uid),
        "MAIL_GID": str(user.pw_gid),
        "PIPE_USER": PIPE_USER,
        "PIPE_MAXPROC": "8",
        "PYTHON": "/usr/bin/python3",
        "MAILGATE": str(cfg.state / "bin" / "odoo-mailgate3.py"),
        "ODOO_TRANSPORT": (
            f"lmtp:inet:127.0.0.1:{cfg.lmtp_port}"
            if cfg.delivery == "lmtp"
            else "odoo:"
        ),
    }


def render(text, vals):
    def sub(match):
        if match.group(1) not in vals:
            raise KeyError(f"unknown placeholder {match.group(0)}")
        return vals[match.group(1)]

    return PLACEHOLDER.sub(sub, text)


def main(odoo_dir):
    cfg = e2e.from_env()
    vals = values(cfg)
    targets = {
        "postfix": cfg.state / "postfix" / "conf",
        "dovecot": cfg.state / "dovecot",
    }
    for name, target in targets.items():
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted((HERE / "conf" / name).iterdir()):
            (target / source.name).write_text(render(source.read_text(), vals))
    bin_dir = cfg.state / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    # 18.0 here has every addon under odoo/addons, 19.0's official layout mail
    # under addons/
    mailgate = next(
        path
        for top in ("odoo/addons", "addons")
        if (
            path := Path(odoo_dir, top, "mail/static/scripts/odoo-mailgate.py")
        ).is_file()
    )
    shutil.copyfile(mailgate, bin_dir / "odoo-mailgate.py")
    shutil.copyfile(HERE / "mailgate3.py", bin_dir / "odoo-mailgate3.py")
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    print(f"rendered the Postfix and Dovecot configuration into {cfg.state}")


if __name__ == "__main__":
    main(sys.argv[1])
