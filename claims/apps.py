from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from claimdesk import checks  # noqa: F401 - registers the project's deploy checks
        from claims import roles, tasks  # noqa: F401 - registers the tasks claims.enqueue names

        # Permissions are created by a post_migrate handler per app, so they only all exist
        # near the end of migrate: sync on every app's signal (cheap and idempotent) rather
        # than in the migration that creates the groups.
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="claimdesk-roles")
