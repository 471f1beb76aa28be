"""Optional e-mail (invite and reset links), off unless MAIL_SERVER is configured (no Flask).

The standard library's smtplib and email.message do all that is needed (one plain-text
message per link, STARTTLS, login): an extension such as Flask-Mail would add a dependency and
tie the sending to the web layer, while the CLI sends the same messages."""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid


class MailError(Exception):
    """The message could not be handed to the SMTP server (the link is still valid)."""


@dataclass(frozen=True)
class Mailer:
    server: str
    port: int = 25
    sender: str = "annotator@localhost"
    use_tls: bool = False  # STARTTLS after connecting
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        msg.set_content(body)
        try:
            with smtplib.SMTP(self.server, self.port, timeout=self.timeout) as smtp:
                if self.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as err:
            raise MailError(f"the e-mail to {to} could not be sent ({err})") from None


def from_config(config: Mapping) -> Mailer | None:
    """The mailer the configuration describes (MAIL_SERVER, MAIL_PORT, MAIL_FROM,
    MAIL_USE_TLS, MAIL_USERNAME, MAIL_PASSWORD), or None when MAIL_SERVER is not set."""
    server = config.get("MAIL_SERVER")
    if not server:
        return None
    return Mailer(server=str(server), port=int(config.get("MAIL_PORT") or 25),
                  sender=str(config.get("MAIL_FROM") or "annotator@localhost"),
                  use_tls=bool(config.get("MAIL_USE_TLS")),
                  username=config.get("MAIL_USERNAME") or None,
                  password=config.get("MAIL_PASSWORD") or None)
