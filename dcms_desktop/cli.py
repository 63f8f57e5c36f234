"""The ``dcms`` admin command: the same services the screens use, without Qt.

Every expected failure (a malformed URL, an unreachable server, an unknown role, a
duplicate email) ends with one clear line on stderr and a non-zero exit status, never a
traceback. ``DCMS_DEBUG=1`` shows the traceback for a developer.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from dcms_desktop import __version__
from dcms_desktop.config import ConfigError, Settings, load_settings
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import DcmsError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure the command explains in one line."""


# -- plumbing --------------------------------------------------------------------------------
def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(demo=getattr(args, "demo_db", False))


def _open_database(settings: Settings):
    """Engines for the configured database, with the keyring's password, checked reachable."""
    from sqlalchemy import text
    from sqlalchemy.exc import ArgumentError, OperationalError

    from dcms_desktop.credentials import complete_database_url, redact
    from dcms_desktop.data.engine import create_database

    try:
        url = complete_database_url(settings.database_url)
        database = create_database(url)
    except (ArgumentError, ValueError) as exc:
        raise CliError(
            f"The database URL {redact(settings.database_url)!r} is not valid: "
            "use sqlite:///path/to/file.db or postgresql://user@host:5432/dbname"
        ) from exc
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        database.dispose()
        from dcms_desktop.services.startup import describe_connection_error

        raise CliError(describe_connection_error(settings.database_url, exc)) from exc
    return database


def _service_context(settings: Settings, database):
    from dcms_desktop.credentials import complete_redis_url
    from dcms_desktop.data.cache import build_cache
    from dcms_desktop.data.events import build_bus
    from dcms_desktop.services.context import ServiceContext

    redis_url = complete_redis_url(settings.redis_url)
    return ServiceContext(
        database=database,
        cache=build_cache(redis_url),
        bus=build_bus(redis_url, settings.workstation),
        workstation=settings.workstation,
    )


def _progress_printer(stream=None) -> Callable[[str, int, int], None]:
    """A text progress bar for long jobs: ``phase [#####     ] 52%``."""
    stream = stream or sys.stderr
    state = {"phase": None, "last": 0.0}

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if phase == state["phase"] and not finished and now - state["last"] < 0.2:
            return
        state["phase"], state["last"] = phase, now
        width = 30
        fraction = 0.0 if total <= 0 else min(1.0, done / total)
        bar = "#" * int(width * fraction)
        line = f"\r{phase:<28} [{bar:<{width}}] {fraction:6.1%}"
        if stream.isatty():
            stream.write(line + ("\n" if finished else ""))
        elif finished:
            stream.write(line.lstrip("\r") + "\n")
        stream.flush()

    return report


def _read_new_password(prompt: str) -> str:
    """A password from the terminal (asked twice) or, when piped, the first line of stdin."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("No password given on standard input.")
        return password
    first = getpass.getpass(prompt)
    second = getpass.getpass("Repeat it: ")
    if first != second:
        raise CliError("The two passwords differ; nothing was changed.")
    return first


# -- commands --------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    from dcms_desktop.data import migrate

    settings = _settings(args)
    database = _open_database(settings)
    try:
        if args.db_command == "upgrade":
            before = migrate.current(database.engine)
            migrate.upgrade(database.engine, args.revision)
            after = migrate.current(database.engine)
            if before == after:
                print(f"Already at {after or 'base'}; nothing to do.")
            else:
                print(f"Upgraded {database.describe()} from {before or 'empty'} to {after}.")
        elif args.db_command == "downgrade":
            migrate.downgrade(database.engine, args.revision)
            print(f"Downgraded {database.describe()} to {args.revision}.")
        else:
            revision = migrate.current(database.engine)
            state = migrate.status(database.engine)
            where = database.describe()
            print(f"{where}: {revision or 'empty'} ({state}; this app: {migrate.head()})")
    finally:
        database.dispose()
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from dcms_desktop.data import migrate
    from dcms_desktop.services.demo import generate_demo

    settings = _settings(args)
    database = _open_database(settings)
    try:
        migrate.upgrade(database.engine)
        started = time.monotonic()
        summary = generate_demo(
            database,
            args.size,
            seed=args.seed,
            replace=args.replace,
            progress=_progress_printer(),
        )
        elapsed = time.monotonic() - started
    finally:
        database.dispose()
    print(
        f"Demo clinic ({args.size}, seed {args.seed}) written to {database.describe()} "
        f"in {elapsed:.1f} s:"
    )
    for table, count in summary.row_counts.items():
        print(f"  {table:<28} {count:>10,}")
    print("Sign in with:")
    for role, email in summary.credentials.items():
        print(f"  {role:<8} {email}  password: {summary.password}")
    return EXIT_OK


def cmd_user_create(args: argparse.Namespace) -> int:
    from dcms_desktop.data import migrate
    from dcms_desktop.services.users import UserService

    settings = _settings(args)
    database = _open_database(settings)
    try:
        if migrate.status(database.engine) != "current":
            raise CliError("The database schema is not up to date: run `dcms db upgrade` first.")
        password = _read_new_password(f"Password for {args.email}: ")
        context = _service_context(settings, database)
        user = UserService(context).create_user(
            None,
            email=args.email,
            role=Role(args.role),
            first_name=args.first_name,
            last_name=args.last_name,
            password=password,
        )
    finally:
        database.dispose()
    print(f"Created {user.role} {user.email}.")
    return EXIT_OK


def cmd_config_set_password(args: argparse.Namespace) -> int:
    from dcms_desktop.credentials import (
        KeyringUnavailableError,
        database_account,
        redis_account,
        store_password,
    )

    settings = _settings(args)
    if args.redis:
        if not settings.redis_url:
            raise CliError("No Redis is configured (set DCMS_REDIS_URL or redis_url in config).")
        account = redis_account(settings.redis_url)
    else:
        if settings.is_embedded:
            raise CliError("The embedded SQLite database has no password; nothing to store.")
        account = database_account(settings.database_url)
    password = _read_new_password("Password to store in the OS keyring: ")
    try:
        store_password(account, password)
    except KeyringUnavailableError as exc:
        raise CliError(str(exc)) from exc
    print("Password stored in the OS keyring.")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from dcms_desktop.services.bench import STARTUP_RUNS, format_table, run_benchmark

    settings = _settings(args)
    database = _open_database(settings)
    # The timed completions are real ones: on a clinic short of some supplies each would
    # log its shortfall, hundreds of lines that bury the table.
    logging.getLogger("dcms_desktop.services").setLevel(logging.ERROR)
    try:
        context = _service_context(settings, database)
        report = run_benchmark(
            context,
            runs=args.runs,
            seed=args.seed,
            progress=_progress_printer(),
            startup_runs=0 if args.services_only else STARTUP_RUNS,
            screens=not args.services_only,
        )
    finally:
        database.dispose()
    print(format_table(report))
    if args.json:
        Path(args.json).write_text(report.to_json(), encoding="utf-8")
        print(f"Written to {args.json}")
    return EXIT_OK


def cmd_invoice(args: argparse.Namespace) -> int:
    from dcms_desktop.data import migrate
    from dcms_desktop.services.invoices import InvoiceService

    paper = {"a4": "A4", "letter": "Letter"}[args.paper]
    if args.batch:
        if args.number:
            raise CliError("Give an invoice number or --batch, not both.")
        if args.date_from is None or args.date_to is None:
            raise CliError("--batch needs --from and --to: the visit dates of the bills.")
        if args.date_from > args.date_to:
            raise CliError("--to is before --from: the period must end after it starts.")
    elif not args.number:
        raise CliError("Name the invoice, e.g. `dcms invoice 2026-000123 -o invoice.pdf`.")
    settings = _settings(args)
    database = _open_database(settings)
    try:
        if migrate.status(database.engine) != "current":
            raise CliError("The database schema is not up to date: run `dcms db upgrade` first.")
        service = InvoiceService(_service_context(settings, database))
        if args.batch:
            folder = Path(args.output or "invoices")
            ids = service.bill_ids_between(None, args.date_from, args.date_to)
            printer = _progress_printer()
            written = service.export_batch(
                None,
                ids,
                folder,
                page_size=paper,
                progress=lambda done, total: printer("Invoices", done, total),
            )
        else:
            pdf = service.invoice_pdf_by_number(None, args.number, page_size=paper)
    finally:
        database.dispose()
    if args.batch:
        print(
            f"{written} invoice{'' if written == 1 else 's'} of visits {args.date_from:%d %b %Y} "
            f"to {args.date_to:%d %b %Y} written to {folder}."
        )
        return EXIT_OK
    output = Path(args.output or f"{pdf.invoice_number}.pdf")
    try:
        output.write_bytes(pdf.data)
    except OSError as exc:
        raise CliError(f"Can't write {output}: {exc.strerror or exc}") from exc
    what = "a copy" if pdf.is_copy else "the original, issued now"
    print(f"Invoice {pdf.invoice_number} ({what}, {pdf.page_size}) written to {output}.")
    return EXIT_OK


def cmd_report_day(args: argparse.Namespace) -> int:
    from dcms_desktop.data import migrate
    from dcms_desktop.services.day_list import DayListService

    day = args.date or date.today()
    output = Path(args.output or f"day-list-{day.isoformat()}.pdf")
    settings = _settings(args)
    database = _open_database(settings)
    try:
        if migrate.status(database.engine) != "current":
            raise CliError("The database schema is not up to date: run `dcms db upgrade` first.")
        service = DayListService(_service_context(settings, database))
        day_list = service.day_list(None, day)
        pdf = service.render_pdf(day_list)
    finally:
        database.dispose()
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        raise CliError(f"Can't write {output}: {exc.strerror or exc}") from exc
    count = day_list.appointment_count
    dentists = len(day_list.dentists)
    print(
        f"Day list of {day:%a %d %b %Y} ({count} appointment{'' if count == 1 else 's'}, "
        f"{dentists} dentist{'' if dentists == 1 else 's'}) written to {output}."
    )
    return EXIT_OK


def cmd_report_revenue(args: argparse.Namespace) -> int:
    from dcms_desktop.data import migrate
    from dcms_desktop.services.reports import ReportService

    output = Path(args.output)
    kind = output.suffix.lower()
    if kind not in (".pdf", ".csv"):
        raise CliError(f"Write the report to a .pdf or a .csv file, not {output.name!r}.")
    if args.date_from > args.date_to:
        raise CliError("--to is before --from: the period must end after it starts.")
    settings = _settings(args)
    database = _open_database(settings)
    try:
        if migrate.status(database.engine) != "current":
            raise CliError("The database schema is not up to date: run `dcms db upgrade` first.")
        service = ReportService(_service_context(settings, database))
        options = service.revenue_filter_options(None)
        dentist_id = None
        if args.dentist:
            wanted = args.dentist.strip().lower()
            found = [d for d in options.dentists if d.email.lower() == wanted]
            if not found:
                raise CliError(f"No dentist has the email {args.dentist!r}.")
            dentist_id = found[0].dentist_id
        category = None
        if args.category:
            named = {c.lower(): c for c in options.categories}
            category = named.get(args.category.strip().lower())
            if category is None:
                known = ", ".join(options.categories) or "none yet"
                raise CliError(f"No service category {args.category!r}; the categories: {known}.")
        report = service.revenue_report(
            None, args.date_from, args.date_to, dentist_id=dentist_id, category=category
        )
    finally:
        database.dispose()
    render = service.render_revenue_pdf if kind == ".pdf" else service.render_revenue_csv
    try:
        output.write_bytes(render(report))
    except OSError as exc:
        raise CliError(f"Can't write {output}: {exc.strerror or exc}") from exc
    from dcms_desktop.domain.money import format_money

    bills = report.totals.bills
    print(
        f"Revenue {args.date_from:%d %b %Y} to {args.date_to:%d %b %Y} ({report.filter_text}): "
        f"{bills} bill{'' if bills == 1 else 's'}, "
        f"{format_money(report.totals.revenue, report.currency)} billed, "
        f"{format_money(report.totals.paid, report.currency)} paid; written to {output}."
    )
    return EXIT_OK


def _stock_reports(settings: Settings, database):
    from dcms_desktop.data import migrate
    from dcms_desktop.services.stock_reports import StockReportService

    if migrate.status(database.engine) != "current":
        raise CliError("The database schema is not up to date: run `dcms db upgrade` first.")
    return StockReportService(_service_context(settings, database))


def _write_pdf(output: Path, pdf: bytes) -> None:
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        raise CliError(f"Can't write {output}: {exc.strerror or exc}") from exc


def cmd_report_stock(args: argparse.Namespace) -> int:
    from dcms_desktop.domain.money import format_money

    settings = _settings(args)
    database = _open_database(settings)
    try:
        service = _stock_reports(settings, database)
        report = service.stock_report(None)
        pdf = service.render_stock_pdf(report)
    finally:
        database.dispose()
    output = Path(args.output or f"stock-report-{report.as_of.isoformat()}.pdf")
    _write_pdf(output, pdf)
    items = report.item_count
    print(
        f"Stock report of {report.as_of:%a %d %b %Y} ({items} item{'' if items == 1 else 's'}, "
        f"value {format_money(report.grand_total, report.currency)}, "
        f"{len(report.low_stock)} at or below minimum) written to {output}."
    )
    return EXIT_OK


def cmd_report_movements(args: argparse.Namespace) -> int:
    from dcms_desktop.domain.money import format_money

    if args.date_from > args.date_to:
        raise CliError("--to is before --from: the period must end after it starts.")
    settings = _settings(args)
    database = _open_database(settings)
    try:
        service = _stock_reports(settings, database)
        report = service.movements_report(
            None, args.date_from, args.date_to, movement_type=args.type
        )
        pdf = service.render_movements_pdf(report)
    finally:
        database.dispose()
    period = f"{args.date_from.isoformat()}-{args.date_to.isoformat()}"
    output = Path(args.output or f"stock-movements-{period}.pdf")
    _write_pdf(output, pdf)
    count = report.movement_count
    print(
        f"Stock movements {args.date_from:%d %b %Y} to {args.date_to:%d %b %Y} "
        f"({count} movement{'' if count == 1 else 's'}, "
        f"{format_money(report.value_in, report.currency)} in, "
        f"{format_money(report.value_out, report.currency)} out) written to {output}."
    )
    return EXIT_OK


def cmd_inventory_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    database = _open_database(settings)
    try:
        check = _stock_reports(settings, database).check(None)
    finally:
        database.dispose()
    if check.clean:
        items = check.item_count
        print(f"All {items} item{'' if items == 1 else 's'} reconcile with their movements.")
        return EXIT_OK
    for problem in check.problems:
        moves = problem.movement_count
        print(
            f"{problem.name} ({problem.item_id}): stock {problem.current_stock}, but its "
            f"{moves} movement{'' if moves == 1 else 's'} add up to {problem.movement_total} "
            f"(difference {problem.difference:+d})"
        )
    bad = len(check.problems)
    print(
        f"dcms: {bad} of {check.item_count} items don't reconcile with their movements.",
        file=sys.stderr,
    )
    return EXIT_FAILURE


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2030-03-05") from None


# -- parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dcms",
        description="DCMS Desktop administration: database, demo data, users, benchmark, reports.",
    )
    parser.add_argument("--version", action="version", version=f"dcms {__version__}")
    parser.add_argument(
        "--demo-db",
        action="store_true",
        help="act on the demo clinic's own SQLite file instead of the configured database",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="schema migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_commands.add_parser("upgrade", help="bring the schema to this app's version")
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser("downgrade", help="take the schema back (base = empty)")
    down.add_argument("revision")
    db_commands.add_parser("current", help="show the schema version")
    db.set_defaults(handler=cmd_db)

    demo = commands.add_parser("demo", help="fill the database with a demo clinic")
    demo.add_argument("--size", choices=("small", "medium", "large"), default="small")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument(
        "--replace", action="store_true", help="delete everything in the database first"
    )
    demo.set_defaults(handler=cmd_demo)

    user = commands.add_parser("user", help="user accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = user_commands.add_parser(
        "create", help="create a user (password asked, or read from stdin)"
    )
    create.add_argument("--email", required=True)
    create.add_argument(
        "--role", required=True, choices=[r.value for r in Role if r is not Role.PATIENT]
    )
    create.add_argument("--first-name", required=True)
    create.add_argument("--last-name", required=True)
    create.set_defaults(handler=cmd_user_create)

    config = commands.add_parser("config", help="workstation configuration")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    set_password = config_commands.add_parser(
        "set-password", help="store the database (or --redis) password in the OS keyring"
    )
    set_password.add_argument("--redis", action="store_true", help="the Redis password")
    set_password.set_defaults(handler=cmd_config_set_password)

    bench = commands.add_parser("bench", help="measure the main operations (p50/p95)")
    bench.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    bench.add_argument("--runs", type=int, default=60, help="timed runs per operation")
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument(
        "--services-only",
        action="store_true",
        help="leave out the figures that start the app or paint screens",
    )
    bench.set_defaults(handler=cmd_bench)

    invoice = commands.add_parser(
        "invoice",
        help="print an invoice (the first print issues it; later ones are the stored copy)",
    )
    invoice.add_argument("number", nargs="?", help="the invoice number, e.g. 2026-000123")
    invoice.add_argument(
        "-o", "--output", metavar="PATH", help="the PDF (default NUMBER.pdf), or the --batch folder"
    )
    invoice.add_argument(
        "--paper", type=str.lower, choices=("a4", "letter"), default="a4", help="paper size"
    )
    invoice.add_argument(
        "--batch", action="store_true", help="every bill of the visits --from .. --to, to a folder"
    )
    invoice.add_argument("--from", dest="date_from", type=_iso_date, help="first visit date")
    invoice.add_argument("--to", dest="date_to", type=_iso_date, help="last visit date")
    invoice.set_defaults(handler=cmd_invoice)

    inventory = commands.add_parser("inventory", help="stock checks")
    inventory_commands = inventory.add_subparsers(
        dest="inventory_command", required=True, metavar="ACTION"
    )
    check = inventory_commands.add_parser(
        "check", help="list every item whose movements don't add up to its stock (exit 1 if any)"
    )
    check.set_defaults(handler=cmd_inventory_check)

    report = commands.add_parser("report", help="printable reports (PDF)")
    report_commands = report.add_subparsers(dest="report_command", required=True, metavar="KIND")
    day = report_commands.add_parser("day", help="the day list: every dentist's visits of a day")
    day.add_argument("--date", type=_iso_date, help="the day, YYYY-MM-DD (default: today)")
    day.add_argument(
        "-o", "--output", metavar="FILE", help="the PDF to write (default: day-list-DATE.pdf)"
    )
    day.set_defaults(handler=cmd_report_day)
    stock = report_commands.add_parser(
        "stock", help="stock on hand and its value by category, low and expiring stock"
    )
    stock.add_argument(
        "-o", "--output", metavar="FILE", help="the PDF to write (default: stock-report-DATE.pdf)"
    )
    stock.set_defaults(handler=cmd_report_stock)
    movements = report_commands.add_parser(
        "movements", help="the stock movements of a period, with totals per type"
    )
    movements.add_argument(
        "--from", dest="date_from", type=_iso_date, required=True, help="first day, YYYY-MM-DD"
    )
    movements.add_argument(
        "--to", dest="date_to", type=_iso_date, required=True, help="last day, YYYY-MM-DD"
    )
    movements.add_argument(
        "--type",
        choices=("restock", "deduction", "adjustment", "expired", "damaged"),
        help="only movements of this type",
    )
    movements.add_argument("-o", "--output", metavar="FILE", help="the PDF to write")
    movements.set_defaults(handler=cmd_report_movements)
    revenue = report_commands.add_parser(
        "revenue", help="revenue per month, dentist and service category (PDF or CSV)"
    )
    revenue.add_argument(
        "--from", dest="date_from", type=_iso_date, required=True, help="first day, YYYY-MM-DD"
    )
    revenue.add_argument(
        "--to", dest="date_to", type=_iso_date, required=True, help="last day, YYYY-MM-DD"
    )
    revenue.add_argument("--dentist", metavar="EMAIL", help="only this dentist's visits")
    revenue.add_argument("--category", help="only bill lines of this service category")
    revenue.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the .pdf or .csv file to write"
    )
    revenue.set_defaults(handler=cmd_report_revenue)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("DCMS_LOG_LEVEL", "WARNING"),
        format="%(levelname)s %(name)s: %(message)s",
    )
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (CliError, ConfigError) as exc:
        print(f"dcms: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except DcmsError as exc:
        print(f"dcms: {exc.message}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("dcms: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("DCMS_DEBUG"):
            raise
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            print(f"dcms: the database stopped answering: {exc.orig}", file=sys.stderr)
        else:
            print(
                f"dcms: unexpected error ({type(exc).__name__}); run with DCMS_DEBUG=1 for details",
                file=sys.stderr,
            )
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
