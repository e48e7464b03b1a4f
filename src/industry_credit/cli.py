"""The ``industry-credit`` command line. Each domain contributes its own commands here."""

from __future__ import annotations

import os

import typer
from pydantic import ValidationError

from industry_credit.audit.cli import audit_app
from industry_credit.auth.cli import token_app, users_app
from industry_credit.batch.cli import rescore
from industry_credit.config import get_settings
from industry_credit.db.cli import db_app
from industry_credit.decisions.cli import decisions_app
from industry_credit.decisions.models_cli import models_app
from industry_credit.enterprises.cli import enterprises_app, ingest
from industry_credit.ml.cli import train
from industry_credit.rules.cli import rules_app
from industry_credit.service_cli import demo, serve
from industry_credit.synth.cli import seed

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Industry-credit decisioning.")


@app.callback()
def _process_setup(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand == "demo":
        # The demo command names its mode itself; everything else defaults to production.
        os.environ.setdefault("INDUSTRY_CREDIT_ENV", "demo")
    # Settings are checked before any command runs, so a missing or weak secret stops every
    # command (serve above all) with one line instead of a traceback.
    get_settings.cache_clear()
    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"industry-credit: refusing to start: {problems}", err=True)
        raise typer.Exit(2) from None


app.add_typer(db_app, name="db")
app.command("serve")(serve)
app.command("demo")(demo)
app.add_typer(users_app, name="users")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(decisions_app, name="decisions")
app.add_typer(models_app, name="models")
app.command("ingest")(ingest)
app.add_typer(enterprises_app, name="enterprises")
app.add_typer(rules_app, name="rules")
app.command("rescore")(rescore)
app.command("seed")(seed)
app.command("train")(train)


if __name__ == "__main__":
    app()
