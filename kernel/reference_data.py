"""Rows the site cannot work without: the procedures of docs/product.md and the staff roles.

Migrations create them; ``ensure_reference_data`` re-creates them idempotently, for the
tests that run with real transactions (the database is flushed after each of those,
which also removes rows written by data migrations).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

PROCEDURES = [
    ("microneedling", "Microneedling", "Collagen induction therapy with fine needles."),
    ("rf_microneedling", "RF microneedling", "Microneedling combined with radio-frequency energy."),
    ("prp_microneedling", "PRP microneedling", "Microneedling with platelet-rich plasma."),
    ("chemical_peel", "Chemical peel", "A chemical solution that removes the outer skin layers."),
    ("laser_resurfacing", "Laser resurfacing", "Ablative or non-ablative laser skin resurfacing."),
    ("dermal_filler", "Dermal filler", "Injectable fillers for volume and lines."),
]


def _view(app_label: str, *models: str) -> list[tuple[str, str]]:
    return [(app_label, f"view_{model}") for model in models]


# Each role's permissions: the one its queue checks, and what it may see or do in /admin/.
# The admin shows decisions read-only (they are taken, and recorded, in the queues); the
# edits allowed there go through services that record them too.
STAFF_ROLES = {
    "Moderators": [
        ("reviews", "moderate_review"),
        *_view(
            "reviews",
            "review",
            "complication",
            "rulehit",
            "reviewrevision",
            "reviewreport",
            "practitionerresponse",
            "safetyalert",
            "practitionersummary",
        ),
        *_view("directory", "auditentry"),
    ],
    "Verifiers": [
        ("practitioners", "verify_attestation"),
        *_view(
            "practitioners",
            "practitioner",
            "clinic",
            "procedure",
            "attestation",
            "sterilizationanswer",
            "evidence",
            "profileclaim",
        ),
        # Corrections of an attestation's details, each recorded (attestation_admin_change).
        ("practitioners", "change_attestation"),
        # Procedures are a table so that staff can add more.
        ("practitioners", "add_procedure"),
        ("practitioners", "change_procedure"),
        *_view("directory", "auditentry"),
    ],
}


def ensure_procedures(apps=global_apps) -> None:
    Procedure = apps.get_model("practitioners", "Procedure")
    for slug, name, description in PROCEDURES:
        Procedure.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )


def ensure_staff_roles(apps=global_apps) -> None:
    for label in ("directory", "reviews", "practitioners"):
        app_config = apps.get_app_config(label)
        if apps is global_apps:
            create_permissions(app_config, verbosity=0)
        else:
            # Historical app configs need models_module set for create_permissions to run.
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in STAFF_ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def ensure_reference_data() -> None:
    ensure_procedures()
    ensure_staff_roles()
