"""The dashboard's summary tables, and (PostgreSQL) the triggers that mark what to count again.

Each trigger runs once per statement with its transition tables, so a bulk insert or update
writes one ``desk_statschange`` row per distinct hour touched, not one per row. Updates mark
a row only when a column the dashboard counts changed: the analysis rewrites claims and flags
often, and those writes should not make the dashboard count a week again. A null ``at``
(written last here) asks the first refresh to count everything: the backfill.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

# table -> (primary key, columns whose change matters, SELECT giving the moments to count
# again for the rows of {rows}). The moments are the dates a row is counted under.
TRIGGERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "claims_claim": (
        "id",
        ("status", "created_at"),
        "SELECT r.created_at FROM {rows} r UNION ALL SELECT v.published_at FROM {rows} r "
        "JOIN reviews_verdict v ON v.claim_id = r.id",
    ),
    "claims_appearance": (
        "id",
        ("claim_id", "source_id"),
        "SELECT c.created_at FROM {rows} r JOIN claims_claim c ON c.id = r.claim_id",
    ),
    "claims_claim_tags": (
        "id",
        ("claim_id", "tag_id"),
        "SELECT c.created_at FROM {rows} r JOIN claims_claim c ON c.id = r.claim_id",
    ),
    "sources_source": (
        "id",
        ("kind",),
        "SELECT c.created_at FROM {rows} r JOIN claims_appearance a ON a.source_id = r.id "
        "JOIN claims_claim c ON c.id = a.claim_id",
    ),
    # A history row also changes the week of the claim's next row: that row's change to the
    # backlog is counted against this one.
    "claims_historicalclaim": (
        "history_id",
        ("id", "status", "history_date", "history_type"),
        # A join, not a subquery per row: the planner can hash a bulk write's rows.
        "SELECT r.history_date FROM {rows} r UNION ALL SELECT min(h.history_date) "
        "FROM {rows} r JOIN claims_historicalclaim h ON h.id = r.id "
        "AND (h.history_date, h.history_id) > (r.history_date, r.history_id) "
        "GROUP BY r.history_id",
    ),
    "claims_flag": (
        "id",
        ("kind", "method", "score", "status", "created_at"),
        "SELECT r.created_at FROM {rows} r",
    ),
    "reviews_verdict": (
        "id",
        ("claim_id", "rating", "author_id", "state", "published_at"),
        "SELECT r.published_at FROM {rows} r",
    ),
    "reviews_historicalverdict": (
        "history_id",
        ("author_id", "history_date", "history_change_reason"),
        "SELECT r.history_date FROM {rows} r",
    ),
    "reviews_assignment": (
        "id",
        ("reviewer_id", "created_at"),
        "SELECT r.created_at FROM {rows} r",
    ),
}


def _function(table: str) -> str:
    pk, columns, moments = TRIGGERS[table]
    changed = (
        f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.{pk} = o.{pk} "
        f"WHERE ROW({', '.join(f'o.{c}' for c in columns)}) IS DISTINCT FROM "
        f"ROW({', '.join(f'n.{c}' for c in columns)}))"
    )
    changed_new = changed.replace("SELECT o.*", "SELECT n.*")

    def mark(rows: str) -> str:
        return (
            "INSERT INTO desk_statschange (at, source) SELECT DISTINCT "
            f"date_trunc('hour', m.at), '{table}' "
            f"FROM ({moments.format(rows=rows)}) m(at) WHERE m.at IS NOT NULL;"
        )

    return f"""
CREATE OR REPLACE FUNCTION desk_stats_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {mark("new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {mark("old_rows")}
    ELSE
        {mark(f"({changed[1:-1]} UNION ALL {changed_new[1:-1]})")}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER desk_stats_{table}_ins AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION desk_stats_mark_{table}();
CREATE TRIGGER desk_stats_{table}_upd AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION desk_stats_mark_{table}();
CREATE TRIGGER desk_stats_{table}_del AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION desk_stats_mark_{table}();
"""


def create_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in TRIGGERS:
            schema_editor.execute(_function(table))
    apps.get_model("desk", "StatsChange").objects.create(at=None)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in TRIGGERS:
            for event in ("ins", "upd", "del"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS desk_stats_{table}_{event} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS desk_stats_mark_{table}()")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("claims", "0011_flag_assigned_to"),
        ("reviews", "0009_publisher_models_to_publishing"),
        ("sources", "0002_source_url_message"),
    ]

    operations = [
        migrations.CreateModel(
            name='StatsChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(blank=True, null=True)),
                ('source', models.CharField(blank=True, default='', max_length=60)),
            ],
        ),
        migrations.CreateModel(
            name='StatsFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('metric', models.CharField(choices=[('claims_source_kind', 'Claims by kind of source'), ('claims_tag', 'Claims by tag (key: tag id)'), ('claims_status', 'Claims by creation week and current status'), ('backlog_change', 'Net change of the backlog in the week'), ('flags', 'Flags by kind|method|score bucket|status'), ('ratings', 'Published verdicts by rating'), ('taken', 'Assignments by reviewer id'), ('submitted', 'Verdicts submitted by author id'), ('returned', 'Verdicts returned by author id'), ('published', 'Verdicts published by author id'), ('time_to_verdict', 'Median and 90th percentile hours (key), verdicts (n)'), ('corrections', 'Corrections and retractions')], max_length=20)),
                ('period', models.DateField()),
                ('key', models.CharField(blank=True, max_length=100)),
                ('n', models.BigIntegerField(default=0)),
                ('value', models.FloatField(blank=True, null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['period'], name='statsfigure_period')],
                'constraints': [models.UniqueConstraint(fields=('metric', 'period', 'key'), name='statsfigure_unique'), models.CheckConstraint(condition=models.Q(('metric__in', ['claims_source_kind', 'claims_tag', 'claims_status', 'backlog_change', 'flags', 'ratings', 'taken', 'submitted', 'returned', 'published', 'time_to_verdict', 'corrections'])), name='statsfigure_metric_valid')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
