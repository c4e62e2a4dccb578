"""Mail to the people who must act: the finance bureau when a run waits for its approval, the
operators when a task of the nightly DAG fails.

Both are Airflow notifiers sending through the SMTP provider (`SmtpNotifier`): the server, its
account and the sender address are the Airflow connection `munifund_smtp`
(`AIRFLOW_CONN_MUNIFUND_SMTP`, or a secrets backend), the recipients come from the environment
(`MUNIFUND_BUREAU_EMAILS`, `MUNIFUND_OPERATOR_EMAILS`: addresses separated by commas). Nothing
of it is in the repository.

Where either is missing (`munifund run` on a laptop) the mail is skipped with one line in the
task's log. A mail that cannot be sent (the server down, an address refused) is logged as an
error and never fails the task: the run's outcome is the warehouse's, not the mail server's.
"""

from __future__ import annotations

import html
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from airflow.sdk.bases.notifier import BaseNotifier

if TYPE_CHECKING:
    from munifund.review.queries import RunTotals

SMTP_CONN_ID = "munifund_smtp"
BUREAU_EMAILS = "MUNIFUND_BUREAU_EMAILS"
OPERATOR_EMAILS = "MUNIFUND_OPERATOR_EMAILS"
REVIEW_PACK_TASK = "write_review_pack"

log = logging.getLogger(__name__)
# The mails this process could not send, each as one line: `munifund run` runs the tasks in its
# own process and says them on the screen, where the task's log alone would hide them.
UNSENT: list[str] = []


@dataclass(frozen=True)
class Mail:
    subject: str
    html: str


def recipients(variable: str) -> list[str]:
    """The addresses in an environment variable, separated by commas, semicolons or spaces."""
    raw = os.environ.get(variable, "")
    return [part for part in raw.replace(";", ",").replace(" ", ",").split(",") if part]


def smtp_configured(conn_id: str = SMTP_CONN_ID) -> bool:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    return True


class MunifundMail(BaseNotifier):
    """Composes a mail from the task's context and sends it with Airflow's SmtpNotifier, or says
    in one line why it did not."""

    template_fields = ()

    def __init__(self, audience: str, variable: str, compose: Callable[[Any], Mail]) -> None:
        super().__init__()
        self.audience = audience
        self.variable = variable
        self.compose = compose

    def notify(self, context: Any) -> None:
        to = recipients(self.variable)
        if not to:
            log.info("no mail to the %s: %s is not set", self.audience, self.variable)
            return
        if not smtp_configured():
            log.info("no mail to the %s: no Airflow connection %r", self.audience, SMTP_CONN_ID)
            return
        try:
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            mail = self.compose(context)
            sender = SmtpNotifier(
                to=to, subject=mail.subject, html_content=mail.html, smtp_conn_id=SMTP_CONN_ID,
                from_email=_sender_address(),
            )  # fmt: skip
            sender.notify(context)
        except Exception as err:  # noqa: BLE001 - a mail never fails the task it reports on
            line = f"mail to the {self.audience} ({', '.join(to)}) not sent: {err}"
            log.error("%s", line)
            UNSENT.append(line)
            return
        log.info("mail to the %s sent to %s: %s", self.audience, ", ".join(to), mail.subject)


def _sender_address() -> str | None:
    """The connection's `from_email` extra wins (the hook reads it when this is None); else a
    sender named after this machine, so that a connection without one still sends."""
    from airflow.sdk import BaseHook

    extra = BaseHook.get_connection(SMTP_CONN_ID).extra_dejson
    return None if extra.get("from_email") else f"munifund@{socket.getfqdn()}"


# --------------------------------------------------------------------------- the approval


def approval_mail() -> MunifundMail:
    """For the approval step's `notifiers`: the finance bureau is asked to decide."""
    return MunifundMail("finance bureau", BUREAU_EMAILS, compose_approval)


def published_totals(run_id: str) -> RunTotals:
    from munifund.review.queries import run_totals
    from munifund.warehouse import task_warehouse

    with task_warehouse().connect() as conn:
        return run_totals(conn, run_id)


def compose_approval(context: Any) -> Mail:
    from munifund.dates import city_date
    from munifund.web.links import pack_url

    run_id = context["run_id"]
    as_of = city_date(context["logical_date"])
    totals = published_totals(run_id)
    pack = context["ti"].xcom_pull(task_ids=REVIEW_PACK_TASK)
    task = context["task"]
    subject = getattr(task, "subject", None) or f"Review the maintenance allocation as of {as_of}"
    # the districts' totals are the pool plus the money that followed the task (费随事转)
    expected = None if totals.pool_yuan is None else totals.pool_yuan + (totals.devolved_yuan or 0)
    agree = (
        "equal to the pool and the money that followed the task, to the fen"
        if totals.total_yuan is not None and totals.total_yuan == expected
        else "NOT equal to the pool and the money that followed the task"
    )
    rows = [
        ("截至日期 / As-of date", as_of),
        ("财政年度 / Fiscal year", totals.fiscal_year),
        ("运行 / Run", run_id),
        ("区数 / Districts", totals.districts),
        ("各区合计 / Sum of district totals", f"{_yuan(totals.total_yuan)} ({agree})"),
        ("资金池 / Pool", _yuan(totals.pool_yuan)),
        ("费随事转 / Money that followed the task", _yuan(totals.devolved_yuan)),
        ("审核包 / Review pack", _review_pack(pack)),
    ]
    link = _approval_link(task, context["ti"])
    table = "".join(
        f"<tr><th align='left'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in rows
    )
    answer = (
        f"munifund review approve --run {run_id} --by NAME --comment TEXT"
        f" (or reject); in Airflow: {link or 'the Required Actions page'}"
    )
    page = pack_url(as_of)  # the pack served by Airflow's API server, behind its login
    body = (
        f"<p>{html.escape(subject)}</p><table>{table}</table>"
        f'<p>审核页 / Review page: <a href="{html.escape(page)}">{html.escape(page)}</a></p>'
        f"<p>批准或驳回 / Approve or reject, with a comment: {html.escape(answer)}</p>"
    )
    return Mail(subject, body)


def _review_pack(pack: str | None) -> str:
    """The pack's folder as `write_review_pack` returned it, and what is in it."""
    if not pack:
        return "(not written)"
    return pack if pack.endswith((".html", ".xlsx")) else f"{pack} (review.html, review.xlsx)"


def _yuan(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f} 元"


def _approval_link(task: Any, ti: Any) -> str | None:
    """The Required Actions page of this step, when Airflow knows its own URL."""
    generate = getattr(task, "generate_link_to_ui", None)
    if generate is None:
        return None
    try:
        return generate(task_instance=ti)
    except Exception:  # noqa: BLE001 - no api.base_url: the mail names the page instead
        return None


# --------------------------------------------------------------------------- a failure


def failure_mail() -> MunifundMail:
    """For the DAG's `on_failure_callback`: the operators are told which task failed."""
    return MunifundMail("operators", OPERATOR_EMAILS, compose_failure)


def compose_failure(context: Any) -> Mail:
    from munifund.dates import city_date

    ti = context["ti"]
    as_of = city_date(context["logical_date"])
    error = context.get("exception")
    subject = f"munifund: {ti.task_id} failed (as of {as_of}, run {ti.run_id})"
    rows = [
        ("DAG", ti.dag_id),
        ("Run", ti.run_id),
        ("As-of date", as_of),
        ("Failed task", ti.task_id),
        ("Try", ti.try_number),
        ("Error", f"{type(error).__name__}: {error}" if error else "(see the log)"),
        ("Log in Airflow", getattr(ti, "log_url", None) or "(unknown)"),
        ("Log file", f"{socket.getfqdn()}:{task_log_path(ti, as_of)}"),
    ]
    table = "".join(
        f"<tr><th align='left'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in rows
    )
    advice = (
        "The DAG's documentation says what each task's failure means and what to do"
        " (“When it fails”). Nothing of this run was published unless publish_allocation succeeded."
    )
    return Mail(subject, f"<table>{table}</table><p>{html.escape(advice)}</p>")


def task_log_path(ti: Any, as_of: object | None = None) -> str:
    """Where the task's log file is on the machine that ran it: under `munifund run` (the runner
    shares its run lock with the tasks), the run's own `<task_id>.log`, written when the run
    ends; under a scheduler, Airflow's file."""
    import jinja2
    from airflow.sdk.configuration import conf

    from munifund.warehouse.run_lock import RUN_LOCK_ENV

    if as_of is not None and os.environ.get(RUN_LOCK_ENV):
        from munifund.config import load_settings

        return str(load_settings().run_logs_dir(as_of, ti.run_id) / f"{ti.task_id}.log")

    folder = conf.get("logging", "base_log_folder")
    template = conf.get("logging", "log_filename_template")
    name = jinja2.Template(template).render(ti=ti, try_number=ti.try_number)
    return os.path.join(folder, name)


# --------------------------------------------------------------------------- a receipt


def contact_addresses(conn: Any, as_of: object) -> dict[str, list[str]]:
    """Each sender's addresses, from the latest delivered row of `contacts` on or before the
    date (reference data: its seed is none, so no delivery, no mail)."""
    rows = conn.execute(
        "select distinct on (trim(sender_code)) trim(sender_code), email from raw.contacts"
        " where _partition_date <= %s"
        " order by trim(sender_code), _partition_date desc, _file desc, _line desc",
        [as_of],
    ).fetchall()
    return {code: _addresses(email) for code, email in rows if _addresses(email)}


def _addresses(text: str | None) -> list[str]:
    parts = (text or "").replace(";", ",").replace(" ", ",").split(",")
    return [part for part in parts if "@" in part]


def compose_receipt(receipt: Any, files: Any, link: str | None) -> Mail:
    """The receipt's mail: what it says in short, the page and the workbook attached (and their
    link behind Airflow's login, when the public URL is known). Every delivered text escaped."""
    subject = (
        f"数据交付回执 / Delivery receipt {receipt.as_of}: {receipt.rows_loaded} rows loaded,"
        f" {receipt.rows_refused} refused ({receipt.sender})"
    )
    rows = [
        ("报送单位 / Sender", f"{receipt.name_zh} {receipt.name_en} ({receipt.sender})"),
        ("截至日期 / As-of date", receipt.as_of),
        ("运行 / Run", receipt.run_id),
        ("收到文件 / Files taken", len(receipt.files)),
        ("载入行数 / Rows loaded", receipt.rows_loaded),
        ("拒收行数 / Rows refused", receipt.rows_refused),
        ("整个文件拒收 / Files refused whole", files.files_refused_whole),
        ("回执 / Receipt", f"{files.html.name}, {files.xlsx.name} (附件 / attached)"),
    ]
    table = "".join(
        f"<tr><th align='left'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in rows
    )
    body = f"<p>{html.escape(subject)}</p><table>{table}</table>"
    if link:
        body += f'<p>在线查看 / Online: <a href="{html.escape(link)}">{html.escape(link)}</a></p>'
    return Mail(subject, body)


def mail_receipt(context: Any, to: list[str], mail: Mail, attachments: list[str]) -> bool:
    """Send one receipt through the same connection and notifier as the other mails; a mail
    that cannot be sent is logged and said, never raised. Whether it was sent."""
    if not to or not smtp_configured():
        return False
    try:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        SmtpNotifier(
            to=to, subject=mail.subject, html_content=mail.html, files=attachments,
            smtp_conn_id=SMTP_CONN_ID, from_email=_sender_address(),
        ).notify(context)  # fmt: skip
    except Exception as err:  # noqa: BLE001 - a mail never fails the task it reports on
        line = f"receipt to {', '.join(to)} not sent: {err}"
        log.error("%s", line)
        UNSENT.append(line)
        return False
    log.info("receipt sent to %s: %s", ", ".join(to), mail.subject)
    return True


def mail_receipts(context: Any, addresses: dict[str, list[str]], sent: list[tuple]) -> list[str]:
    """Each (receipt, its files) to its sender's addresses in `contacts`; a sender with none gets
    no mail, and says so in the log only. The senders mailed."""
    from munifund.web.receipts import receipt_url

    mailed = []
    for receipt, files in sent:
        to = addresses.get(receipt.sender, [])
        if not to:
            log.info("no receipt mailed to %s: no address in contacts", receipt.sender)
            continue
        link = receipt_url(receipt.as_of, receipt.sender, files.html.name)
        mail = compose_receipt(receipt, files, link)
        if mail_receipt(context, to, mail, [str(files.html), str(files.xlsx)]):
            mailed.append(receipt.sender)
    return mailed
