"""The ``mmm`` command line: one small module per command group."""

from __future__ import annotations

import typer

from mmm.cli import (
    attribute,
    compare,
    cv,
    fit,
    funnel,
    ga4,
    lift,
    optimize,
    report,
    serve,
    simulate,
    summary,
)

app = typer.Typer(
    name="mmm",
    help="Bayesian marketing mix modeling: fit, plan, report, attribute.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts say "[default: ...]"; none of them is markup
)
app.command("attribute")(attribute.attribute_command)
app.command("lift")(lift.lift_command)
app.command("funnel")(funnel.funnel_command)
app.command("ga4")(ga4.ga4_command)
app.command("simulate")(simulate.simulate_command)
app.command("fit")(fit.fit_command)
app.command("cv")(cv.cv_command)
app.command("compare")(compare.compare_command)
app.command("summary")(summary.summary_command)
app.command("optimize")(optimize.optimize_command)
app.command("report")(report.report_command)
app.command("serve")(serve.serve_command)
