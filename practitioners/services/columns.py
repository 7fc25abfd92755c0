"""Writing a few columns of one row without ``save()``."""

from django.db.models import Model

from kernel.status_change import touched


def write_columns(instance: Model, **values) -> None:
    """Update only these columns of ``instance``'s row (and its ``auto_now`` date; no other
    field, no signal) and keep the instance in step with what was written."""
    values = {**touched(type(instance)), **values}
    type(instance).objects.filter(pk=instance.pk).update(**values)
    for name, value in values.items():
        setattr(instance, name, value)
