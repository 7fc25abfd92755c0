"""One builder per FHIR resource type, each from the rows its queryset prefetches."""
