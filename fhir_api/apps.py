from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    name = "fhir_api"
    verbose_name = "FHIR R4 directory API"

    def ready(self) -> None:
        from fhir_api.tasks import EXPIRY_JOB
        from kernel.scheduling import register_daily_job

        register_daily_job(EXPIRY_JOB)
