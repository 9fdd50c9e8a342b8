"""The ``briefing`` command: migrate, seed, check, serve, and export the OpenAPI document."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.settings import Settings, describe_invalid_settings, get_settings

SERVER_OPTIONS: dict[str, Any] = {
    "proxy_headers": False,
    "server_header": False,  # no version banner
    "date_header": True,
    "access_log": False,  # the app logs one structured line per request itself
    "log_config": None,  # keep the app's logging configuration
    "timeout_graceful_shutdown": 10,  # SIGTERM drains in-flight requests for up to 10 s
    "limit_concurrency": None,  # overload is answered by the app (503 + Retry-After), not by resets
    "ws": "none",  # no WebSocket: an upgrade offer reaches the app as plain HTTP (a problem document)
    "h11_max_incomplete_event_size": 16 * 1024,
}
"""How ``briefing serve`` runs uvicorn (plus ``http``: the guarded protocol of ``app.protocol``); the
benchmark's ceiling app is served with the same options and uvicorn's stock protocol."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:  # pydantic's ValidationError and pydantic-settings' SettingsError
        for line in describe_invalid_settings(exc):
            print(f"briefing: {line}", file=sys.stderr)
        return 2
    handler = args.handler
    try:
        return int(handler(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"briefing: database error: {reason}", file=sys.stderr)
        print("briefing: is the database reachable and migrated? (`briefing db upgrade`)", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing", description="Peacetalks Briefing API: migrate, seed and serve the briefing."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database migrations (Alembic)")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate to a revision (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate down to a revision ('base' drops every table)")
    down.add_argument("revision", help="the revision to go down to, e.g. 'base' (required: no default)")
    down.set_defaults(handler=_db_downgrade)
    cur = db_sub.add_parser("current", help="print the database's revision and the code's head")
    cur.set_defaults(handler=_db_current)

    seed = sub.add_parser("seed", help="validate the seed files and load them in one transaction")
    seed.add_argument("--check", action="store_true", help="validate only; exit 1 on any problem")
    seed.set_defaults(handler=_seed)

    serve = sub.add_parser("serve", help="serve the API with uvicorn (no reload)")
    serve.add_argument("--host", default=None, help="default: $HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 8000")
    serve.add_argument("--workers", type=int, default=None, help="default: $WEB_CONCURRENCY or 1")
    serve.set_defaults(handler=_serve)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document as JSON")
    openapi.set_defaults(handler=_openapi)

    schema = sub.add_parser("seed-schema", help="print the JSON Schema of the seed files")
    schema.set_defaults(handler=_seed_schema)

    synth = sub.add_parser("synth", help="write a synthetic data set (SQLite) for scale tests")
    synth.add_argument("--rows", type=int, required=True, help="rows in the largest collection")
    synth.add_argument("--out", required=True, help="path of the SQLite file to write")
    synth.add_argument("--seed", type=int, default=20250612, help="random seed (default: 20250612)")
    synth.set_defaults(handler=_synth)
    return parser


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import migrate

    migrate.upgrade(settings, args.revision)
    print(f"database at {migrate.head_revision() if args.revision == 'head' else args.revision}")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import migrate

    migrate.downgrade(settings, args.revision)
    print(f"database at {args.revision}")
    return 0


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import migrate
    from app.db.engine import make_engine

    engine = make_engine(settings, read_only=True)
    print(f"current: {migrate.current_revision(engine)}  head: {migrate.head_revision()}")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from app.db.engine import make_engine
    from app.db.sqlite_allocator import turn_off_memory_statistics
    from app.seed.errors import SeedError
    from app.seed.load import check_seeds, seed

    turn_off_memory_statistics()  # before any connection opens: SQLite counts every allocation otherwise
    try:
        if args.check:
            plan = check_seeds(settings.seeds_dir)
            print(f"seed files OK: version {plan.version[:12]}; " + _counts(plan.counts()))
            return 0
        engine = make_engine(settings, read_only=False)
        outcome = seed(engine, settings.seeds_dir)
        engine.dispose()
    except SeedError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"seed refused: {len(exc.problems)} problem(s); the database was not changed", file=sys.stderr)
        return 1
    if outcome.changed:
        print(f"seeded version {outcome.version[:12]}: " + _counts(outcome.counts))
    else:
        print(f"nothing changed: version {outcome.version[:12]} is already loaded")
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in counts.items())


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.protocol import GuardedHttpToolsProtocol

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        # httptools with request-head limits and a head timeout (app.protocol); a partial of a module-level
        # class, so that it pickles into worker processes.
        http=functools.partial(GuardedHttpToolsProtocol, header_timeout=settings.header_timeout),  # type: ignore[arg-type]
        **SERVER_OPTIONS,
    )
    return 0


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    from app.generate import openapi_json

    sys.stdout.write(openapi_json())
    return 0


def _seed_schema(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from app.seed.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0


def _synth(args: argparse.Namespace, settings: Settings) -> int:
    from app.db.sqlite_allocator import turn_off_memory_statistics
    from app.seed.synth import write_synthetic

    turn_off_memory_statistics()  # before any connection opens: SQLite counts every allocation otherwise

    seconds = write_synthetic(rows=args.rows, out=args.out, random_seed=args.seed)
    print(f"wrote {args.out} with {args.rows} rows in the largest collection in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
