"""The statistics dashboard: charts drawn on the server, their tables and CSV downloads.

Editors see every chart; a fact-checker sees only their own work. Figures come from
``desk.stats`` (a fixed number of aggregate queries), the pictures from ``desk.charts``.
"""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from claimdesk.permissions import is_editor
from desk import charts, stats
from desk.views import staff_required, staff_user


def _period(request: HttpRequest) -> stats.Period:
    try:
        weeks = int(request.GET.get("weeks", stats.DEFAULT_WEEKS))
    except ValueError:
        weeks = stats.DEFAULT_WEEKS
    return stats.Period.last(weeks if weeks in stats.PERIODS else stats.DEFAULT_WEEKS)


@staff_required
@require_GET
def stats_index(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    editor = is_editor(request.user)
    shown = stats.dashboard(period, viewer=staff_user(request), editor=editor)
    context = {
        "period": period,
        "periods": stats.PERIODS,
        "editor": editor,
        "charts": [(chart, charts.svg(chart), charts.table(chart)) for chart in shown],
    }
    return render(request, "desk/stats.html", context)


@staff_required
@require_GET
def stats_csv(request: HttpRequest, key: str) -> HttpResponse:
    period = _period(request)
    chart = stats.one_chart(key, period, viewer=staff_user(request), editor=is_editor(request.user))
    if chart is None:
        if key in stats.EDITOR_CHARTS:
            raise PermissionDenied("This chart is for editors.")
        raise Http404("No such chart.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-{period.weeks}w.csv"'
    header, rows = chart.table()
    writer = csv.writer(response)
    writer.writerow([chart.title if not header[0] else header[0], *header[1:]])
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return response
